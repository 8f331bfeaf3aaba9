import { explain } from "@renovatebot/pep440";

/**
 * PEP 440 normalization. Parsing and the normal form of each part come from @renovatebot/pep440's
 * `explain()`; the string is assembled here because its `clean()` mangles local versions
 * (`1.0+local.7` → `1.0+local,7`). Release numbers and the local label are taken from the text:
 * release numbers as digit strings, so a date-like `20240101123456789` stays exact instead of
 * passing through a float, and local segments because the library reads them with `Number()`
 * (`+abc.6e8` would become `+abc.600000000`, `+0x1f` would become `+31`).
 */

export interface NormalizeOptions {
  /**
   * Drop trailing `.0` release segments. For specifiers other than `~=` they carry no meaning
   * (`==1.0` matches 1.0.0, `>=2.0.0` is `>=2`), which is how Python's `packaging` compares them.
   */
  stripTrailingZeros?: boolean;
}

const RELEASE_TEXT = /^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)/i;
const LOCAL_TEXT = /\+([a-z0-9]+(?:[-_.][a-z0-9]+)*)\s*$/i;

/** The normalized form of a PEP 440 version, or `undefined` if it is not one. */
export function normalizeVersion(version: string, options: NormalizeOptions = {}): string | undefined {
  const parts = explain(version);
  const text = RELEASE_TEXT.exec(version);
  if (!parts || !text) return undefined;
  const epoch = stripZeros(text[1] ?? "0");
  let release = text[2]!.split(".").map(stripZeros);
  if (options.stripTrailingZeros) {
    while (release.length > 1 && release[release.length - 1] === "0") release = release.slice(0, -1);
  }
  for (const n of [parts.pre?.[1], parts.post, parts.dev]) {
    // The library parses these with parseInt; beyond 2^53 its digits are no longer the user's.
    if (typeof n === "number" && !Number.isSafeInteger(n)) return undefined;
  }
  let out = epoch === "0" ? "" : `${epoch}!`;
  out += release.join(".");
  if (parts.pre) out += `${parts.pre[0]}${parts.pre[1]}`;
  if (parts.post !== null && parts.post !== undefined) out += `.post${parts.post}`;
  if (parts.dev !== null && parts.dev !== undefined) out += `.dev${parts.dev}`;
  if (parts.local) {
    const local = LOCAL_TEXT.exec(version)?.[1];
    if (local === undefined) return undefined;
    out += `+${local.toLowerCase().split(/[-_.]/).map((seg) => (/^\d+$/.test(seg) ? stripZeros(seg) : seg)).join(".")}`;
  }
  return out;
}

/** `007` → `7`, `0` → `0`: integer segments compare as numbers. */
function stripZeros(digits: string): string {
  const s = digits.replace(/^0+/, "");
  return s === "" ? "0" : s;
}

/** Whether a version string is a valid PEP 440 version. */
export function isVersion(version: string): boolean {
  return normalizeVersion(version) !== undefined;
}

/** True when the version has a local label (`+cpu`), which only `==` and `!=` may name. */
export function hasLocal(version: string): boolean {
  return explain(version)?.local != null;
}
