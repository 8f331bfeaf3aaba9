/**
 * write-file-atomic, loaded by the first write that needs it: at load it asks for
 * node:worker_threads and installs signal-exit's handlers, a few milliseconds of every command's
 * start-up otherwise (most commands write nothing of the workspace's).
 */
type WriteFileAtomic = typeof import("write-file-atomic");
let loading: Promise<WriteFileAtomic> | undefined;

export async function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
  const module = await (loading ??= import("write-file-atomic").then((m) => ((m as { default?: WriteFileAtomic }).default ?? m) as WriteFileAtomic));
  await module(file, data);
}
