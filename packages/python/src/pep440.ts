/**
 * PEP 440 normalization. The grammar is @renovatebot/pep440's VERSION_PATTERN (which follows
 * `packaging`), written here with numbered groups, alternatives in the same order: the library
 * reads each version through a regex with named groups (V8 builds a groups object per match) and
 * then an object per part, which was a fifth of parsing a requirement list (issue #19). The
 * normal form is assembled here, as before, from the text itself: release numbers as digit
 * strings, so a date-like `20240101123456789` stays exact instead of passing through a float, and
 * the local label as written (lowercased, numeric segments without leading zeros), where the
 * library reads it with `Number()` (`+abc.6e8` would become `+abc.600000000`, `+0x1f` `+31`).
 * Pre, post and dev numbers are read as numbers, as the library does (`Number()`), and refused
 * beyond 2^53, where their digits would no longer be the user's. pep440.test.ts compares this
 * with the library on generated versions.
 */

export interface NormalizeOptions {
  /**
   * Drop trailing `.0` release segments. For specifiers other than `~=` they carry no meaning
   * (`==1.0` matches 1.0.0, `>=2.0.0` is `>=2`), which is how Python's `packaging` compares them.
   */
  stripTrailingZeros?: boolean;
}

// 1 epoch, 2 release, 3 pre letter, 4 pre number, 5 implicit post number (`1.0-1`), 6 post
// letter, 7 post number, 8 dev letter, 9 dev number, 10 local label.
const VERSION =
  /^v?(?:(?:([0-9]+)!)?([0-9]+(?:\.[0-9]+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?([0-9]+)?)?(?:(?:-([0-9]+))|(?:[-_.]?(post|rev|r)[-_.]?([0-9]+)?))?(?:[-_.]?(dev)[-_.]?([0-9]+)?)?)(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$/i;

const LEADING_ZERO = /(?:^|\.)0[0-9]/;
const TRAILING_ZEROS = /(?:\.0)+$/;

const PRE_SPELLING: Record<string, string> = { a: "a", alpha: "a", b: "b", beta: "b", c: "rc", rc: "rc", pre: "rc", preview: "rc" };

/** The normalized form of a PEP 440 version, or `undefined` if it is not one. */
export function normalizeVersion(version: string, options: NormalizeOptions = {}): string | undefined {
  const m = VERSION.exec(version);
  if (!m) return undefined;
  const epoch = stripZeros(m[1] ?? "0");
  let out = epoch === "0" ? "" : `${epoch}!`;
  let release = m[2]!;
  if (LEADING_ZERO.test(release)) release = release.split(".").map(stripZeros).join(".");
  // Segments are plain digits now: `.0` at the end is a zero segment, and the first one is kept.
  if (options.stripTrailingZeros) release = release.replace(TRAILING_ZEROS, "");
  out += release;
  const preLetter = m[3];
  if (preLetter !== undefined) {
    const n = number(m[4]);
    if (n === undefined) return undefined;
    out += `${PRE_SPELLING[preLetter.toLowerCase()]!}${n}`;
  }
  if (m[5] !== undefined || m[6] !== undefined) {
    const n = number(m[5] ?? m[7]);
    if (n === undefined) return undefined;
    out += `.post${n}`;
  }
  if (m[8] !== undefined) {
    const n = number(m[9]);
    if (n === undefined) return undefined;
    out += `.dev${n}`;
  }
  const local = m[10];
  if (local !== undefined) {
    out += `+${local.toLowerCase().split(/[-_.]/).map((seg) => (/^\d+$/.test(seg) ? stripZeros(seg) : seg)).join(".")}`;
  }
  return out;
}

/** A pre, post or dev number as the library reads it (`Number`, absent is 0); beyond 2^53, none. */
function number(digits: string | undefined): number | undefined {
  const n = digits === undefined ? 0 : Number(digits);
  return Number.isSafeInteger(n) ? n : undefined;
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
  return VERSION.exec(version)?.[10] !== undefined;
}
