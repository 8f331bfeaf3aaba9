import { randomUUID } from "node:crypto";
import { readFileSync, readlinkSync, type Stats } from "node:fs";
import { readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import lockfile from "proper-lockfile";

/** A held build lock: call it to release; `verify` says whether it is still this holder's. */
export type HeldLock = (() => Promise<void>) & { verify(): Promise<boolean> };

export interface LockOptions {
  /** A lock whose folder was not refreshed for this long belongs to a holder that hung or died elsewhere. */
  staleMs: number;
  signal?: AbortSignal | undefined;
  /** The lock was taken over while held (this process stalled past `staleMs`): stop writing. */
  onLost?: ((error: Error) => void) | undefined;
}

/** Who holds a lock folder, written beside it; tied to that very folder by inode and birth time. */
interface Owner {
  host: string;
  pidns: string;
  pid: number;
  ino: number;
  btime: number;
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
 */
export async function acquireLock(file: string, options: LockOptions): Promise<HeldLock> {
  const lockDir = `${file}.lock`;
  const ownerFile = `${file}.owner`;
  for (;;) {
    options.signal?.throwIfAborted();
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(file, {
        realpath: false,
        stale: NEVER_STALE,
        update: Math.max(1000, Math.floor(options.staleMs / 3)),
        onCompromised: (error) => options.onLost?.(error),
      });
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== "ELOCKED") throw cause;
      const judged = await findStaleLock(lockDir, ownerFile, options.staleMs);
      if (judged) await reclaimLock(lockDir, judged);
      else await sleep(40 + Math.random() * 80, undefined, { signal: options.signal }).catch(() => undefined);
      continue;
    }
    const mine = await stat(lockDir);
    const owner: Owner = { host: os.hostname(), pidns: PIDNS, pid: process.pid, ino: mine.ino, btime: mine.birthtimeMs };
    // Best effort: without it a dead holder is only recognised by age.
    await writeFile(ownerFile, JSON.stringify(owner)).catch(() => undefined);
    const held = async () => {
      await rm(ownerFile, { force: true }).catch(() => undefined);
      await release();
    };
    const verify = async () => {
      const now = await stat(lockDir).catch(() => undefined);
      return now !== undefined && now.ino === mine.ino && now.birthtimeMs === mine.birthtimeMs;
    };
    return Object.assign(held, { verify });
  }
}

/** The lock folder's state if its holder is gone (dead here, or silent for `staleMs`); else undefined. */
export async function findStaleLock(lockDir: string, ownerFile: string, staleMs: number): Promise<Stats | undefined> {
  const judged = await stat(lockDir).catch(() => undefined);
  if (!judged) return undefined;
  if (Date.now() - judged.mtimeMs > staleMs) return judged;
  let owner: Owner;
  try {
    owner = JSON.parse(await readFile(ownerFile, "utf8")) as Owner;
  } catch {
    return undefined;
  }
  const sameFolder = owner.ino === judged.ino && owner.btime === judged.birthtimeMs && judged.birthtimeMs > 0;
  const here = owner.host === os.hostname() && owner.pidns === PIDNS && PIDNS !== "";
  return sameFolder && here && !isAlive(owner.pid) ? judged : undefined;
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
    return readlinkSync("/proc/self/ns/pid");
  } catch {
    return "";
  }
})();
