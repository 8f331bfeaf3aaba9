import { open, rename, rm } from "node:fs/promises";

let counter = 0;

/**
 * Writes `file` atomically and durably: a temp file beside it, written and `fdatasync`ed, then
 * renamed over it, so a reader sees the old content or the new, never a torn file, and the new
 * bytes are on disk before they become visible.
 *
 * What write-file-atomic does, minus what the cache does not need: `fdatasync` instead of `fsync`
 * (the data and the size needed to read it back, not timestamps: a third of the cost here) and
 * no ownership/mode copying or exit handlers. Like write-file-atomic, the folder is not synced: a
 * crash right after the rename can lose the newest entry (a later cache miss), never corrupt one.
 */
export async function writeFileDurable(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.${++counter}.tmp`;
  const handle = await open(temp, "wx");
  try {
    try {
      await handle.writeFile(text, "utf8");
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (cause) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw cause;
  }
}
