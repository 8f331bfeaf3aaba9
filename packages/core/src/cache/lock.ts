import { randomUUID } from "node:crypto";
import { readFileSync, readlinkSync, type Stats } from "node:fs";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

// Loaded on the first lock, i.e. on the first cache miss: a process that only finds cache hits
// never pays for proper-lockfile and graceful-fs (~20 ms of start-up here).
let lockfileModule: Promise<typeof import("proper-lockfile")> | undefined;
const loadLockfile = () => (lockfileModule ??= import("proper-lockfile"));

/** A held build lock: call it to release; `verify` says whether it is still this holder's. */
export type HeldLock = (() => Promise<void>) & { verify(): Promise<boolean> };

export interface LockOptions {
  /** A lock whose folder was not refreshed for this long belongs to a holder that hung or died elsewhere. */
  staleMs: number;
  signal?: AbortSignal | undefined;
  /** The lock was taken over while held (this process stalled past `staleMs`): stop writing. */
  onLost?: ((error: Error) => void) | undefined;
}

/**
 * proper-lockfile never takes a lock over by itself here: its takeover (stat, rmdir, mkdir) lets
 * a waiter that judged the lock stale remove the lock another waiter has just re-created, and both
 * build (moxystudio/node-proper-lockfile#121). It still creates the folder atomically (mkdir),
 * refreshes its mtime while held and notices when it is lost; those stay compatible with other
 * proper-lockfile users of the same folder (the workspace's garbage collector).
 */
const NEVER_STALE = 2 ** 30;

/**
 * Takes the lock `${file}.lock`, waiting while another live holder has it. A holder that died is
 * recognised at once when it ran on this machine (its pid is gone), otherwise after `staleMs`.
 *
 * Every contender first writes a record naming itself into `${file}.holders/` and only then tries
 * to create the lock folder; a holder removes its record only after removing the folder. So
 * whenever the folder exists its holder's record does too, with no window in between: if every
 * record there belongs to a dead process of this machine, the folder's holder is dead.
 */
export async function acquireLock(file: string, options: LockOptions): Promise<HeldLock> {
  const lockDir = `${file}.lock`;
  const holders = `${file}.holders`;
  await mkdir(holders, { recursive: true });
  for (;;) {
    options.signal?.throwIfAborted();
    const record = path.join(holders, recordName());
    await writeFile(record, "");
    let release: () => Promise<void>;
    try {
      const lockfile = await loadLockfile();
      release = await lockfile.lock(file, {
        realpath: false,
        stale: NEVER_STALE,
        update: Math.max(1000, Math.floor(options.staleMs / 3)),
        onCompromised: (error) => options.onLost?.(error),
      });
    } catch (cause) {
      await rm(record, { force: true });
      if ((cause as NodeJS.ErrnoException).code !== "ELOCKED") throw cause;
      const judged = await findStaleLock(lockDir, holders, options.staleMs);
      if (judged) await reclaimLock(lockDir, judged);
      else await sleep(40 + Math.random() * 80, undefined, { signal: options.signal }).catch(() => undefined);
      continue;
    }
    const mine = await stat(lockDir);
    // Records of killed contenders: harmless (the holder's own is there) but would pile up.
    for (const name of await readdir(holders).catch(() => [] as string[])) {
      if (PIDNS !== "" && isDeadHere(name)) await rm(path.join(holders, name), { force: true }).catch(() => undefined);
    }
    const held = async () => {
      await release();
      await rm(record, { force: true }).catch(() => undefined);
    };
    const verify = async () => {
      const now = await stat(lockDir).catch(() => undefined);
      return now !== undefined && now.ino === mine.ino && now.birthtimeMs === mine.birthtimeMs;
    };
    return Object.assign(held, { verify });
  }
}

/** `<host>~<pid namespace>~<pid>~<nonce>`: enough to tell, on this machine, whether it still runs. */
function recordName(): string {
  return `${encodeURIComponent(os.hostname())}~${PIDNS}~${process.pid}~${NONCE}-${++attempts}`;
}
const NONCE = randomUUID().slice(0, 8);
let attempts = 0;

/**
 * The lock folder's state if its holder is gone (every contender recorded beside it is dead on
 * this machine, or the folder was not refreshed for `staleMs`); else undefined. A folder with no
 * records (taken by another proper-lockfile user) or with a record of another machine can only
 * go stale by age.
 */
export async function findStaleLock(lockDir: string, holders: string, staleMs: number): Promise<Stats | undefined> {
  const judged = await stat(lockDir).catch(() => undefined);
  if (!judged) return undefined;
  if (Date.now() - judged.mtimeMs > staleMs) return judged;
  if (PIDNS === "") return undefined;
  const names = await readdir(holders).catch(() => [] as string[]);
  if (names.length === 0) return undefined;
  return names.every(isDeadHere) ? judged : undefined;
}

function isDeadHere(record: string): boolean {
  const [host, pidns, pid] = record.split("~");
  return host === encodeURIComponent(os.hostname()) && pidns === PIDNS && !isAlive(Number(pid));
}

/**
 * Removes the lock folder judged stale, unless it is no longer that folder. It is first renamed to
 * a unique name, so of several waiters one wins; the winner then checks it moved the very folder it
 * judged (same inode and mtime) and puts back a fresh one it moved by mistake.
 */
export async function reclaimLock(lockDir: string, judged: Stats): Promise<boolean> {
  const claimed = `${lockDir}.stale-${randomUUID()}`;
  try {
    await rename(lockDir, claimed);
  } catch {
    return false; // another waiter reclaimed it first
  }
  const moved = await stat(claimed).catch(() => undefined);
  if (moved && moved.ino === judged.ino && moved.mtimeMs === judged.mtimeMs) {
    await rm(claimed, { recursive: true, force: true });
    return true;
  }
  const occupied = await stat(lockDir).then(
    () => true,
    () => false,
  );
  if (!occupied) await rename(claimed, lockDir).catch(() => undefined);
  else await rm(claimed, { recursive: true, force: true }); // its holder sees the loss and stops
  return false;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true; // not a record we wrote: assume the worst
  try {
    process.kill(pid, 0);
  } catch (cause) {
    return (cause as NodeJS.ErrnoException).code === "EPERM";
  }
  // A killed child its parent has not reaped yet still answers signal 0.
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

/** Pids mean something only inside one pid namespace (containers sharing a cache folder). */
const PIDNS = (() => {
  try {
    return readlinkSync("/proc/self/ns/pid").replace(/\D/g, "");
  } catch {
    return "";
  }
})();
