import { constants } from "node:fs";
import { mkdir, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { hashHex } from "../hash/hash-format.js";
import type { CacheKey } from "./types.js";
import { acquireLock, isDeadHere, recordName } from "./lock.js";

/**
 * Run leases: a command running inside a built environment (`envforge run`, `engine.run`) holds
 * its cache entry against `cache gc`, as a running build does with its lock — but without the
 * lock itself, which would serialize every run of the same environment (and every rebuild behind
 * them). Each run writes a record `<root>/leases/<target>-<hex>/<host>~<pidns>~<pid>~<nonce>`
 * (the lock's holder-record naming) and removes it when the command ends; gc skips an entry that
 * has a live record. A record of a process that died on this machine is dead at once; one of
 * another machine (a shared cache folder) lives while it is refreshed.
 */

/** How often a holder touches its record. */
const REFRESH_MS = 10_000;
/** A record of another machine not touched for this long belongs to a holder that died there. */
export const LEASE_STALE_MS = 60_000;
/** How long a run waits for the build lock while it writes its lease (gc holds it for moments). */
const LOCK_WAIT_MS = 2_000;
const LOCK_STALE_MS = 15_000;

const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NONBLOCK;

export type ReleaseLease = () => Promise<void>;

export function leaseDir(root: string, key: CacheKey): string {
  return path.join(root, "leases", `${key.target}-${hashHex(key.hash)}`);
}

/**
 * Writes a lease for `key`. It is written under the build lock (taken briefly: gc deletes under
 * the same lock and checks leases after taking it), so either gc sees the lease or the entry is
 * already gone when the caller checks it afterwards. A lock a build holds for long is not waited
 * for: gc cannot delete while that build holds it, and sees the lease once it can.
 */
export async function acquireLease(root: string, key: CacheKey): Promise<ReleaseLease> {
  const dir = leaseDir(root, key);
  await mkdir(dir, { recursive: true });
  const record = path.join(dir, recordName());
  const signal = AbortSignal.timeout(LOCK_WAIT_MS);
  const lockDir = path.join(root, "locks");
  await mkdir(lockDir, { recursive: true });
  const release = await acquireLock(path.join(lockDir, `${key.target}-${hashHex(key.hash)}`), { staleMs: LOCK_STALE_MS, signal }).catch(() => undefined);
  try {
    await writeFile(record, JSON.stringify({ host: os.hostname(), pid: process.pid, since: new Date().toISOString() }), { flag: WRITE_FLAGS });
  } finally {
    await release?.().catch(() => undefined);
  }
  const timer = setInterval(() => {
    const now = new Date();
    void utimes(record, now, now).catch(() => undefined);
  }, REFRESH_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await rm(record, { force: true }).catch(() => undefined);
  };
}

/** Whether a run holds `key` now. Dead records found on the way are removed. */
export async function leaseHeld(root: string, key: CacheKey, now = Date.now()): Promise<boolean> {
  const dir = leaseDir(root, key);
  const host = `${encodeURIComponent(os.hostname())}~`;
  let held = false;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (isDeadHere(name)) {
      await rm(path.join(dir, name), { force: true }).catch(() => undefined);
      continue;
    }
    const stamp = await stat(path.join(dir, name)).catch(() => undefined);
    if (!stamp) continue;
    if (name.startsWith(host) || now - stamp.mtimeMs <= LEASE_STALE_MS) held = true;
  }
  return held;
}
