/**
 * The input limits and their defaults, apart from the checks that enforce them (limits.ts): the
 * quick path (`@envforge/core/quick`) needs the numbers only, and every module it imports is a
 * module a fresh process loads before its first hit.
 */

/** Bounds on input, so a hostile or broken definition is refused with a clear limit, not an OOM. */
export interface InputLimits {
  /** Largest definition or referenced file, in bytes. */
  maxFileBytes: number;
  /** Most referenced files one definition may pull in (`-r` includes count). */
  maxReferencedFiles: number;
  /** Most lines in a definition or referenced file (a requirements file, a Dockerfile). */
  maxFileLines: number;
  /** Most items in any one list of a definition (requirements, steps, channels…). */
  maxListItems: number;
  /** Deepest nesting of lists and mappings in a definition. */
  maxDepth: number;
}

export const DEFAULT_LIMITS: InputLimits = {
  maxFileBytes: 8 * 1024 * 1024,
  maxReferencedFiles: 64,
  maxFileLines: 20_000,
  maxListItems: 10_000,
  maxDepth: 64,
};

/**
 * The limits in force: each bound is the tighter of the engine's `limits` and the policy's, the
 * default where neither sets it. A policy never loosens a bound the host set on the engine, nor
 * the other way round.
 */
export function effectiveLimits(engine: Partial<InputLimits> | undefined, policy: Partial<InputLimits> | undefined): InputLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(out) as (keyof InputLimits)[]) {
    const given = [engine?.[key], policy?.[key]].filter((v): v is number => v !== undefined);
    if (given.length > 0) out[key] = Math.min(...given);
  }
  return out;
}
