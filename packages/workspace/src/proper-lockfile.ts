/**
 * proper-lockfile, loaded by the first registry write or collection that needs it: it brings
 * graceful-fs and signal-exit with it, a few milliseconds of every command's start-up otherwise
 * (most commands only read the registry). Core's build lock loads it the same way.
 */
let loading: Promise<typeof import("proper-lockfile")> | undefined;

export async function properLockfile(): Promise<typeof import("proper-lockfile")> {
  return (loading ??= import("proper-lockfile"));
}
