/**
 * A cache on a read-only filesystem (a CI image, a shared mount) still answers hits: what a hit
 * would only record — the workspace registration, source memos and registration receipts of the
 * quick path, seals of old entries, backfills into the local tier — is skipped, with one warning
 * per process and cache folder. A miss still needs to write and fails with `E_CACHE_IO` naming
 * EROFS (or EACCES).
 *
 * Node built-ins only: the quick path imports it.
 */
import { accessSync, constants } from "node:fs";
import path from "node:path";
import type { EngineEvent } from "../engine/events.js";

export type ReadOnlyErrno = "EROFS" | "EACCES";

const WORDS: Record<ReadOnlyErrno, string> = { EROFS: "read-only file system", EACCES: "permission denied" };

/**
 * "EROFS" when `dir` (or, while it does not exist, its nearest parent) lies on a read-only
 * filesystem, "EACCES" when this user may not write there, else undefined. Asked after a write
 * failed, because the error a write gives is not always the reason: Node's recursive mkdir reports
 * ENOENT for a missing folder it could not create on a read-only mount.
 */
export function unwritable(dir: string): ReadOnlyErrno | undefined {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    try {
      accessSync(at, constants.W_OK);
      return undefined;
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === "EROFS") return "EROFS";
      if (code === "EACCES" || code === "EPERM") return "EACCES";
      if ((code !== "ENOENT" && code !== "ENOTDIR") || path.dirname(at) === at) return undefined;
    }
  }
}

/**
 * The error a write into `dir` really failed with: `cause` itself, unless the folder is read-only
 * (or not writable) and `cause` does not say so — then an error with that errno, `cause` kept.
 */
export function writeFailure(cause: unknown, dir: string): unknown {
  const code = (cause as NodeJS.ErrnoException)?.code;
  if (code === "EROFS" || code === "EACCES" || code === "EPERM") return cause;
  const errno = unwritable(dir);
  if (!errno) return cause;
  return Object.assign(new Error(`${errno}: ${WORDS[errno]}, ${path.resolve(dir)} cannot be written`, { cause }), { code: errno });
}

const warned = new Set<string>();

/**
 * The `W_CACHE_READ_ONLY` warning for `cacheDir`, the first time it is asked for in this process
 * (then undefined); undefined too when the folder is writable after all.
 */
export function readOnlyWarning(cacheDir: string, errno: ReadOnlyErrno | undefined = unwritable(cacheDir)): Extract<EngineEvent, { type: "warning" }> | undefined {
  const dir = path.resolve(cacheDir);
  if (!errno || warned.has(dir)) return undefined;
  warned.add(dir);
  return {
    type: "warning",
    code: "W_CACHE_READ_ONLY",
    message: `the cache ${dir} is not writable (${errno}: ${WORDS[errno]}): hits are answered, but nothing is recorded (registration, quick-path records, seals, backfills)`,
    hint: "a build that misses needs a writable cache: set --cache-dir (the engine's cacheDir) to a writable folder",
  };
}
