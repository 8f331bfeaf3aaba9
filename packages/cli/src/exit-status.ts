import type { ErrorKind } from "@envforge/core/plugin-kit";

/**
 * Exit codes (documented in the README):
 * 0 success; 1 invalid input or usage (the definition, a flag, a missing file: fix the input);
 * 2 a build failed, timed out or was cancelled, or a needed tool is missing; 3 an internal error
 * (a bug in envforge or a plugin); 4 a check did not meet its threshold; 128 + the signal's number
 * (130 SIGINT, 143 SIGTERM) when a signal stopped the command (interrupt.ts). `explain
 * --exit-code` exits 1 when the definitions differ, as `git diff --exit-code` does.
 */
export const EXIT = { ok: 0, input: 1, build: 2, internal: 3, check: 4 } as const;

/** The exit status of each kind of fault: core's table gives every code its kind (errors/codes.ts). */
export const EXIT_OF_KIND: Readonly<Record<ErrorKind, number>> = Object.freeze({ input: EXIT.input, build: EXIT.build, internal: EXIT.internal });
