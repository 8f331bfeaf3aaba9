import { randomUUID } from "node:crypto";
import { constants, readFileSync, readlinkSync, type Stats } from "node:fs";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { readRegularFile } from "../files/regular-file.js";

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
  /**
   * This contender waits for a lock someone else holds: called once per holder (again when the
   * lock changes hands), with who holds it as its holder record says, or undefined when there is
   * no record (a proper-lockfile user other than envforge, a holder that just took it).
   */
  onWait?: ((holder: LockHolder | undefined) => void) | undefined;
}

/** Who holds a lock, from the record it wrote on taking it. */
export interface LockHolder {
  host: string;
  pid: number;
  /** When it took the lock (ISO 8601, the holder's clock). */
  since: string;
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
  const watch: LockWatch = {};
  const waiting = options.onWait && holderReporter(lockDir, holders, options.onWait);
  for (;;) {
    options.signal?.throwIfAborted();
    const record = path.join(holders, recordName());
    await writeFile(record, "", { flag: WRITE_FLAGS });
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
      const judged = await findStaleLock(lockDir, holders, options.staleMs, watch);
      if (judged) {
        if (await reclaimLock(lockDir, judged)) await forgetHolder(holders, judged);
      } else {
        await waiting?.();
        await sleep(40 + Math.random() * 80, undefined, { signal: options.signal }).catch(() => undefined);
      }
      continue;
    }
    const mine = await stat(lockDir);
    // Says who holds it and since when, for those who wait (and names the folder it took).
    const holder: LockHolder & { lock: string } = { host: os.hostname(), pid: process.pid, since: new Date().toISOString(), lock: identity(mine) };
    await writeFile(record, JSON.stringify(holder), { flag: WRITE_FLAGS }).catch(() => undefined);
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

/** Never a blocking open: a FIFO planted under a record's name makes the write fail, not wait. */
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NONBLOCK;

/** A lock folder, told apart from the one re-created at the same path after it. */
function identity(stats: Stats): string {
  return `${stats.ino}:${stats.birthtimeMs}`;
}

/**
 * Reports the holder to a waiting contender once per lock folder. A holder writes its record just
 * after taking the lock, so for up to a second the record is looked for again before reporting
 * an unknown holder.
 */
function holderReporter(lockDir: string, holders: string, onWait: (holder: LockHolder | undefined) => void): () => Promise<void> {
  let reported: string | undefined;
  let first: { id: string; at: number } | undefined;
  return async () => {
    const now = await stat(lockDir).catch(() => undefined);
    if (!now || identity(now) === reported) return;
    const id = identity(now);
    if (first?.id !== id) first = { id, at: Date.now() };
    const holder = await readHolder(holders, id);
    if (!holder && Date.now() - first.at < 1000) return;
    reported = id;
    onWait(holder);
  };
}

/** The record of the holder of the folder `id`; else the newest record a holder wrote (an older envforge's, another host's). */
async function readHolder(holders: string, id: string): Promise<LockHolder | undefined> {
  const records = await holderRecords(holders);
  const exact = records.find((r) => r.lock === id);
  return exact ? strip(exact) : records.sort((a, b) => b.since.localeCompare(a.since)).map(strip)[0];
}

/** After taking over a stale folder: its holder's record goes with it. */
async function forgetHolder(holders: string, judged: Stats): Promise<void> {
  const id = identity(judged);
  for (const record of await holderRecords(holders)) if (record.lock === id) await rm(record.file, { force: true }).catch(() => undefined);
}

async function holderRecords(holders: string): Promise<Array<LockHolder & { lock?: string | undefined; file: string }>> {
  const out: Array<LockHolder & { lock?: string | undefined; file: string }> = [];
  for (const name of await readdir(holders).catch(() => [] as string[])) {
    const file = path.join(holders, name);
    // Records are tiny; a FIFO or a device among them is skipped, never opened for a blocking read.
    const text = await readRegularFile(file, 4096).then((r) => r.bytes?.toString("utf8") ?? "", () => "");
    if (text === "") continue;
    try {
      const data = JSON.parse(text) as Partial<LockHolder & { lock: string }>;
      if (typeof data.host === "string" && Number.isInteger(data.pid) && typeof data.since === "string") {
        out.push({ host: data.host, pid: data.pid!, since: data.since, lock: typeof data.lock === "string" ? data.lock : undefined, file });
      }
    } catch {
      // cut short, or not ours
    }
  }
  return out;
}

function strip(record: LockHolder): LockHolder {
  return { host: record.host, pid: record.pid, since: record.since };
}

/** `<host>~<pid namespace>~<pid>~<nonce>`: enough to tell, on this machine, whether it still runs. */
export function recordName(): string {
  return `${encodeURIComponent(os.hostname())}~${PIDNS}~${process.pid}~${NONCE}-${++attempts}`;
}
const NONCE = randomUUID().slice(0, 8);
let attempts = 0;

/** What one contender saw of a lock folder stamped in the future, and since when (its own clock). */
export interface LockWatch {
  id?: string;
  since?: number;
}

/**
 * The lock folder's state if its holder is gone (every contender recorded beside it is dead on
 * this machine, or the folder was not refreshed for `staleMs`); else undefined. A folder with no
 * records (taken by another proper-lockfile user) or with a record of another machine can only
 * go stale by age.
 *
 * A folder stamped in the future (another machine's clock is ahead, or this one was set back) has
 * no age to measure: with `watch`, it is stale once its stamp has not moved for `staleMs` of this
 * process's watching — a live holder refreshes it every `staleMs / 3`.
 */
export async function findStaleLock(lockDir: string, holders: string, staleMs: number, watch?: LockWatch): Promise<Stats | undefined> {
  const judged = await stat(lockDir).catch(() => undefined);
  if (!judged) return undefined;
  const now = Date.now();
  if (now - judged.mtimeMs > staleMs) return judged;
  if (watch && judged.mtimeMs > now) {
    const seen = `${identity(judged)}:${judged.mtimeMs}`;
    if (watch.id !== seen) Object.assign(watch, { id: seen, since: now });
    else if (now - watch.since! > staleMs) return judged;
  }
  if (PIDNS === "") return undefined;
  const names = await readdir(holders).catch(() => [] as string[]);
  if (names.length === 0) return undefined;
  return names.every(isDeadHere) ? judged : undefined;
}

/** A record named by `recordName` whose process ran on this machine and is gone. */
export function isDeadHere(record: string): boolean {
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
