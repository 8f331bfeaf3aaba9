import { createError } from "@envforge/core/plugin-kit";

/**
 * The longest `--timeout`: 7 days. Node's timers hold at most 2^31-1 ms (~24.8 days) and fire at
 * once past that; a build that needs more than a week is not one a timeout should guard.
 */
export const MAX_TIMEOUT_SECONDS = 604_800;

/** `--timeout SECONDS` (decimals allowed) → milliseconds; anything else is a usage error (exit 1). */
export function timeoutMsOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = /^(\d+(\.\d*)?|\.\d+)$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (seconds > 0 && seconds <= MAX_TIMEOUT_SECONDS) return Math.max(1, Math.round(seconds * 1000));
  throw createError("E_INVALID_VALUE", `--timeout ${JSON.stringify(text)} is not valid: give a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS} (7 days)`, {
    field: "--timeout",
    hint: "e.g. --timeout 600 (10 minutes) or --timeout 0.5; leave it out for no timeout",
  });
}
