import { setTimeout as sleep } from "node:timers/promises";

/**
 * Polls `released` until it says true, the deadline passes (false) or the signal aborts (throws).
 * Polling, not pub/sub: a holder that dies publishes nothing, while its key still expires.
 */
export async function waitUntil(released: () => Promise<boolean>, options: { deadlineMs: number; pollMs: number; signal?: AbortSignal | undefined }): Promise<boolean> {
  const end = Date.now() + options.deadlineMs;
  for (;;) {
    if (await released()) return true;
    const left = end - Date.now();
    if (left <= 0) return false;
    await sleep(Math.min(options.pollMs, left), undefined, { signal: options.signal });
  }
}
