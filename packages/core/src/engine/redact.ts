import { EnvforgeError, isEnvforgeError, isPluginError, PluginError } from "../errors/envforge-error.js";
import type { EngineEvent } from "./events.js";

const MASK = "***";

/** Replaces every secret in text; secrets shorter than 4 characters are ignored (they would mask noise). */
export function createRedactor(secrets: readonly string[]) {
  const list = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  const text = (s: string): string => {
    if (list.length === 0) return s;
    let out = s;
    for (const secret of list) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  };
  const event = (e: EngineEvent): EngineEvent => {
    if (list.length === 0) return e;
    if (e.type === "log") return { ...e, line: text(e.line) };
    if (e.type === "warning") return { ...e, message: text(e.message), hint: e.hint === undefined ? undefined : text(e.hint) };
    return e;
  };
  /**
   * An error whose message, hint, details or causes hold a secret, rebuilt without it (the causes
   * become plain errors with masked messages); any other error as it is.
   */
  const error = (e: EnvforgeError): EnvforgeError => {
    if (list.length === 0 || !holdsSecret(e, text)) return e;
    const cause = maskedCause(e.cause, text);
    if (isPluginError(e)) return new PluginError(e.plugin, e.hook, cause);
    const data = e.toJSON();
    return new EnvforgeError({
      ...data,
      message: text(data.message),
      hint: data.hint === undefined ? undefined : text(data.hint),
      details: data.details === undefined ? undefined : (JSON.parse(text(JSON.stringify(data.details))) as Record<string, unknown>),
      cause,
    });
  };
  return { text, event, error };
}

function holdsSecret(e: unknown, text: (s: string) => string): boolean {
  for (let c = e, depth = 0; c && depth < 8; c = (c as { cause?: unknown }).cause, depth++) {
    const parts = isEnvforgeError(c) ? JSON.stringify(c.toJSON()) : c instanceof Error ? `${c.message}\n${c.stack ?? ""}` : String(c);
    if (text(parts) !== parts) return true;
  }
  return false;
}

function maskedCause(cause: unknown, text: (s: string) => string, depth = 0): unknown {
  if (cause === undefined || cause === null || depth > 8) return undefined;
  const message = cause instanceof Error ? cause.message : String(cause);
  const inner = cause instanceof Error ? maskedCause(cause.cause, text, depth + 1) : undefined;
  const masked = new Error(text(message), inner === undefined ? undefined : { cause: inner });
  masked.name = cause instanceof Error ? cause.name : "Error";
  masked.stack = `${masked.name}: ${masked.message}`;
  return masked;
}

/**
 * Secrets among builder options (never hashed, but a plugin could print them): string values under
 * keys that name a credential, at any depth (`pip.env.PIP_TOKEN`), and the password of any URL
 * (`pip.indexUrl: https://user:password@host/simple`), as written and decoded.
 */
export function builderOptionSecrets(options: unknown): string[] {
  const out: string[] = [];
  const walk = (value: unknown, key: string, depth: number) => {
    if (depth > 8) return;
    if (typeof value === "string") {
      if (/pass|token|secret|auth|credential|key/i.test(key) && !/^(true|false|null)$/i.test(value)) out.push(value);
      for (const m of value.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s/@:]*:([^\s/@]+)@/gi)) {
        out.push(m[1]!);
        try {
          out.push(decodeURIComponent(m[1]!));
        } catch {
          // not percent-encoded
        }
      }
    } else if (Array.isArray(value)) value.forEach((v) => walk(v, key, depth + 1));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, k, depth + 1);
  };
  walk(options, "", 0);
  return out;
}
