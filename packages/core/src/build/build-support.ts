import { existsSync } from "node:fs";
import type { BuildRequest } from "./build-types.js";
import { cacheIoError, isDiskFull } from "../cache/io-error.js";
import { EnvforgeError, isEnvforgeError } from "../errors/envforge-error.js";
import { createError } from "../errors/factories.js";

/** Turns whatever a build threw into the error the host sees: timeout, cancel, full disk, failure. */
export function toBuildError(cause: unknown, signal: AbortSignal, request: BuildRequest, logged: string | undefined): EnvforgeError {
  // A builder that failed before it logged a line (an interpreter not found) left no log to name.
  const logPath = logged !== undefined && existsSync(logged) ? logged : undefined;
  if (signal.aborted) {
    if (isEnvforgeError(signal.reason)) return signal.reason;
    const timeout = (signal.reason as Error | undefined)?.name === "TimeoutError";
    return createError(timeout ? "E_TIMEOUT" : "E_ABORTED", timeout ? `build of target "${request.target}" timed out after ${request.timeoutMs} ms` : `build of target "${request.target}" was cancelled`, {
      hint: timeout ? "raise the timeout, or check the build log for a step that hangs" : undefined,
      details: logPath ? { logPath } : undefined,
      cause,
    });
  }
  // A full disk is not the builder's fault, whichever way it surfaced (an errno, a tool's message).
  if (isDiskFull(cause)) return cacheIoError(cause, `build target "${request.target}"`, { logPath });
  if (isEnvforgeError(cause)) return withLogPath(cause, logPath);
  return createError("E_BUILD_FAILED", `build of target "${request.target}" failed: ${(cause as Error)?.message ?? String(cause)}`, {
    hint: logPath === undefined ? undefined : `the build log is at ${logPath}`,
    details: logPath === undefined ? undefined : { logPath },
    cause,
  });
}

/**
 * A builder's own failure names the build log, where the tool's whole output is: in the hint a
 * person reads and in `details.logPath` a host reads. Input errors (a refused option) and plugin
 * faults are left as they are.
 */
function withLogPath(error: EnvforgeError, logPath: string | undefined): EnvforgeError {
  if (logPath === undefined || error.kind !== "build" || error.details?.logPath !== undefined) return error;
  const hint = error.hint?.includes(logPath) ? error.hint : error.hint ? `${error.hint}; the build log is ${logPath}` : `the build log is ${logPath}`;
  return new EnvforgeError({ code: error.code, message: error.message, hint, location: error.location, field: error.field, details: { ...error.details, logPath }, cause: error.cause });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Settles with `work`, or rejects with the signal's reason as soon as it aborts, whichever is first. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** The longest timer Node keeps: setTimeout (and AbortSignal.timeout) fire at once past 2^31-1 ms. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * A build's `timeoutMs`: undefined (none) or a number of milliseconds above 0 and at most
 * `MAX_TIMEOUT_MS` (~24.8 days). Anything else is `E_INVALID_VALUE` before any work, never the
 * RangeError of `AbortSignal.timeout` nor a timer that overflows and fires at once.
 */
export function checkTimeoutMs(timeoutMs: unknown): void {
  if (timeoutMs === undefined) return;
  if (typeof timeoutMs === "number" && Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS) return;
  throw createError("E_INVALID_VALUE", `invalid build timeoutMs ${typeof timeoutMs === "number" ? String(timeoutMs) : JSON.stringify(timeoutMs) ?? String(timeoutMs)}: it must be a number of milliseconds above 0 and at most ${MAX_TIMEOUT_MS}`, {
    field: "timeoutMs",
    hint: "leave timeoutMs out for no timeout; the longest is 2^31-1 ms (about 24.8 days)",
  });
}
