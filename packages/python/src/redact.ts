import { createRedactor } from "@envforge/core/plugin-kit";

/** `https://user:token@host` → `https://user:***@host`, anywhere in a text (pip prints URLs the same way). */
export function redactUrl(text: string): string {
  if (!text.includes("://")) return text; // no URL, no password: most requirement lines, each one warned about
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]+@/gi, "$1:***@");
}

/** Secrets of a build: passwords in index URLs and env values under secret-looking names. */
export function secretsOf(urls: readonly (string | undefined)[], env: Record<string, string>): string[] {
  const out: string[] = [];
  for (const url of urls) {
    const m = url ? /^[a-z][a-z0-9+.-]*:\/\/([^/@]*)@/i.exec(url) : null;
    const userinfo = m?.[1];
    if (!userinfo) continue;
    const colon = userinfo.indexOf(":");
    out.push(colon < 0 ? userinfo : userinfo.slice(colon + 1));
  }
  for (const [key, value] of Object.entries(env)) {
    if (/pass|token|secret|auth|credential|key/i.test(key) && value.length > 0) out.push(value);
  }
  return out;
}

/** A redactor for every line a build logs: URL passwords and the given secrets masked. */
export function lineRedactor(secrets: readonly string[]): (line: string) => string {
  const r = createRedactor(secrets);
  return (line) => r.text(redactUrl(line));
}
