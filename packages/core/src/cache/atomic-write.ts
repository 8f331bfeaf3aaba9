import { closeSync, fdatasync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";

let counter = 0;

/**
 * Writes `file` atomically and durably: a temp file beside it, written and `fdatasync`ed, then
 * renamed over it, so a reader sees the old content or the new, never a torn file, and the new
 * bytes are on disk before they become visible.
 *
 * What write-file-atomic does, minus what the cache does not need: `fdatasync` instead of `fsync`
 * (the data and the size needed to read it back, not timestamps: a third of the cost here) and
 * no ownership/mode copying or exit handlers. Only the sync to disk leaves the event loop; open,
 * write, close and rename of a small file take microseconds, where each trip through the thread
 * pool costs tens. Like write-file-atomic, the folder is not synced: a crash right after the rename
 * can lose the newest entry (a later cache miss), never corrupt one. Creates the folder if needed.
 */
export async function writeFileDurable(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.${++counter}.tmp`;
  let fd: number;
  try {
    fd = openSync(temp, "wx");
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== "ENOENT") throw cause;
    mkdirSync(path.dirname(file), { recursive: true });
    fd = openSync(temp, "wx");
  }
  try {
    try {
      const bytes = Buffer.from(text, "utf8");
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
      await new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (cause) {
    rmSync(temp, { force: true });
    throw cause;
  }
}
