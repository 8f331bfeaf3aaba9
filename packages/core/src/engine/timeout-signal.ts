/**
 * A signal that aborts with a `TimeoutError` after `ms`, and a way to stop its timer.
 *
 * Not `AbortSignal.timeout`: its timer holds the signal weakly, and a signal only `AbortSignal.any`
 * refers to may be collected before it fires, so the composite never aborts (nodejs/node#57736;
 * a build under a busy CI ran past its timeout that way). This timer holds its controller.
 */
export function timeoutSignal(ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`timed out after ${ms} ms`, "TimeoutError")), ms);
  // Never what keeps a process alive by itself, like AbortSignal.timeout.
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** Any of `signals`, or a timeout after `ms`; `clear` stops the timer once the work is done. */
export function anyWithTimeout(signals: readonly (AbortSignal | undefined)[], ms: number | undefined): { signal: AbortSignal; clear(): void } {
  const timeout = ms === undefined ? undefined : timeoutSignal(ms);
  const all = [...signals, timeout?.signal].filter((s): s is AbortSignal => s !== undefined);
  return { signal: AbortSignal.any(all), clear: () => timeout?.clear() };
}
