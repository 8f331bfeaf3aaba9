/**
 * Reads that accept only regular files. `open()` of a FIFO waits for a writer, in the kernel, where
 * neither SIGINT nor SIGTERM reaches a Node process (its signal handlers run on the event loop the
 * blocked call holds); a device may never end. Every file envforge reads from the cache, from the
 * registry or from a definition is opened with O_NONBLOCK (which never blocks on a FIFO and changes
 * nothing for a regular file) and checked with `fstat` before a byte is read.
 *
 * Node built-ins only: the quick path imports it.
 */
import { constants, fstatSync, lstatSync, openSync, closeSync, readFileSync, type Stats } from "node:fs";
import { open } from "node:fs/promises";

const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** A path that exists but is not a regular file: what it is instead, in words ("a FIFO"). */
export class NotAFileError extends Error {
  readonly code = "ENOTFILE";
  constructor(
    readonly file: string,
    readonly kind: string,
  ) {
    super(`${file} is ${kind}, not a file`);
    this.name = "NotAFileError";
  }
}

/** What a non-regular file is, for messages: "a folder", "a FIFO", "a socket"… */
export function kindOf(stats: Stats): string {
  if (stats.isFile()) return "a file";
  if (stats.isDirectory()) return "a folder";
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSymbolicLink()) return "a symbolic link";
  return "not a regular file";
}

/**
 * The bytes of a regular file, like `readFileSync` (errors keep their errno: ENOENT…), but a FIFO,
 * socket, device or folder is a `NotAFileError` instead of a wait.
 */
export function readRegularFileSync(file: string): Buffer;
export function readRegularFileSync(file: string, encoding: "utf8"): string;
export function readRegularFileSync(file: string, encoding?: "utf8"): Buffer | string {
  let fd: number;
  try {
    fd = openSync(file, READ_FLAGS);
  } catch (cause) {
    throw notAFile(file, cause) ?? cause;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new NotAFileError(file, kindOf(stats));
    return encoding ? readFileSync(fd, encoding) : readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The async form, with the size `fstat` saw before reading: a file over `maxBytes` is not read
 * (`bytes` is then undefined).
 */
export async function readRegularFile(file: string, maxBytes = Number.POSITIVE_INFINITY): Promise<{ bytes?: Buffer; size: number }> {
  let handle;
  try {
    handle = await open(file, READ_FLAGS);
  } catch (cause) {
    throw notAFile(file, cause) ?? cause;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new NotAFileError(file, kindOf(stats));
    if (stats.size > maxBytes) return { size: stats.size };
    return { bytes: await handle.readFile(), size: stats.size };
  } finally {
    await handle.close();
  }
}

/** `open()` of a socket fails with ENXIO, of a folder (for writing) with EISDIR: say what it is. */
function notAFile(file: string, cause: unknown): NotAFileError | undefined {
  const code = (cause as NodeJS.ErrnoException).code;
  if (code !== "ENXIO" && code !== "EISDIR" && code !== "ENODEV") return undefined;
  try {
    return new NotAFileError(file, kindOf(lstatSync(file)));
  } catch {
    return undefined;
  }
}
