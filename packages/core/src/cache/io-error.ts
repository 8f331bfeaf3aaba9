import { statfs } from "node:fs/promises";
import { isEnvforgeError, type EnvforgeError } from "../errors/envforge-error.js";
import { createError } from "../errors/factories.js";

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
  if (isEnvforgeError(cause) && (cause.code === "E_CACHE_IO" || !full)) return cause;
  const errno = errnoOf(cause) ?? (full ? "ENOSPC" : undefined);
  return createError("E_CACHE_IO", `cannot ${doing}: ${(cause as Error)?.message ?? String(cause)}`, {
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

/** A build that failed while the cache's disk is full: that is what the user must fix first. */
export function fullDiskBuildError(target: string, freeBytes: number, cause: unknown, details?: Record<string, unknown>): EnvforgeError {
  return createError("E_CACHE_IO", `build of target "${target}" failed and the filesystem holding the cache is full (${freeBytes} bytes free): ${(cause as Error)?.message ?? String(cause)}`, {
    hint: HINTS.ENOSPC,
    details: { ...details, errno: "ENOSPC", freeBytes },
    cause,
  });
}

/**
 * Bytes still free on the filesystem holding `dir` when it is (nearly) full, else undefined. A tool
 * does not always say why it failed (`python -m venv` reports only that ensurepip exited 1), so a
 * failed build is checked against the disk before its partial artifact is removed. "Nearly":
 * under 1% of the filesystem, at least 64 KiB, at most 16 MiB.
 */
export async function nearlyFullDisk(dir: string): Promise<number | undefined> {
  try {
    const fs = await statfs(dir);
    const free = (process.getuid?.() === 0 ? fs.bfree : fs.bavail) * fs.bsize;
    const threshold = Math.min(16 * 1024 * 1024, Math.max(64 * 1024, fs.blocks * fs.bsize * 0.01));
    return free < threshold ? free : undefined;
  } catch {
    return undefined;
  }
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
