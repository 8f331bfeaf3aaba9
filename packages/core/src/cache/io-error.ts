import { EnvforgeError } from "../errors.js";

const HINTS: Record<string, string> = {
  ENOSPC: "the filesystem holding the cache is full: free space there (remove old cache entries) or set the engine's cacheDir to a larger disk",
  EDQUOT: "your disk quota on the filesystem holding the cache is used up: free space or set the engine's cacheDir elsewhere",
  EROFS: "the cache folder is on a read-only filesystem: set the engine's cacheDir to a writable folder",
  EACCES: "the cache folder is not writable by this user: fix its permissions or set the engine's cacheDir elsewhere",
  EPERM: "the cache folder is not writable by this user: fix its permissions or set the engine's cacheDir elsewhere",
  EMFILE: "too many open files: raise the limit (ulimit -n) or lower the number of concurrent builds",
};

/** A failed cache read or write as `E_CACHE_IO`, with what to do about the cause (a full disk…). */
export function cacheIoError(cause: unknown, doing: string, details?: Record<string, unknown>): EnvforgeError {
  const full = isDiskFull(cause);
  // Other envforge errors pass through; one wrapping a full disk (a plugin's) becomes E_CACHE_IO.
  if (cause instanceof EnvforgeError && (cause.code === "E_CACHE_IO" || !full)) return cause;
  const errno = errnoOf(cause) ?? (full ? "ENOSPC" : undefined);
  return new EnvforgeError({
    code: "E_CACHE_IO",
    message: `cannot ${doing}: ${(cause as Error)?.message ?? String(cause)}`,
    hint: (errno && HINTS[errno]) ?? "check that the cache folder exists, is writable and its disk has space",
    details: { ...details, ...(errno ? { errno } : {}) },
    cause,
  });
}

/** The first file-system errno along the cause chain. */
export function errnoOf(cause: unknown): string | undefined {
  for (let e = cause, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string" && code in HINTS) return code;
  }
  return undefined;
}

/**
 * Whether a failure comes from a full disk: an ENOSPC/EDQUOT errno in the cause chain, or the
 * message an external tool prints for it (pip: "[Errno 28] No space left on device").
 */
export function isDiskFull(cause: unknown): boolean {
  for (let e = cause, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOSPC" || code === "EDQUOT") return true;
    const text = `${(e as Error).message ?? ""}\n${(e as { stderr?: unknown }).stderr ?? ""}`;
    if (/No space left on device|\bENOSPC\b|Disk quota exceeded/.test(text)) return true;
  }
  return false;
}
