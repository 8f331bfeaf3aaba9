/**
 * Exit codes (documented in the README):
 * 0 success; 1 invalid input or usage (the definition, a flag, a missing file: fix the input);
 * 2 a build failed, timed out or was cancelled, or a needed tool is missing; 3 an internal error
 * (a bug in envforge or a plugin); 4 a check did not meet its threshold.
 */
export const EXIT = { ok: 0, input: 1, build: 2, internal: 3, check: 4 } as const;
