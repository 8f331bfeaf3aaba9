import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { mkdir, utimes } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createEngine, hashHex, type EngineEvent, type Hash } from "@envforge/core/plugin-kit";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/support.js";
import { PROBE_TARGET, probePlugin, probeSpec } from "../support/reliability-plugin.js";
import { report, tmp } from "./support.js";

/**
 * A build waiting for the lock of its key says who holds it and since when (the holder's record);
 * a lock folder stamped in the future (another machine's clock ahead) goes stale once it has not
 * moved for the stale time, instead of blocking its key for good.
 */
const STALE_MS = 1500;

function lockPaths(cacheDir: string, hash: Hash): { lockDir: string; holders: string } {
  const file = path.join(cacheDir, "v1", "locks", `${PROBE_TARGET}-${hashHex(hash)}`);
  return { lockDir: `${file}.lock`, holders: `${file}.holders` };
}

/** A lock folder as another machine would leave it: stamped a day ahead, and its holder's record. */
async function foreignLock(cacheDir: string, hash: Hash, record: "json" | "fifo"): Promise<{ since: string; recordFile: string }> {
  const { lockDir, holders } = lockPaths(cacheDir, hash);
  await mkdir(lockDir, { recursive: true });
  await mkdir(holders, { recursive: true });
  const future = new Date(Date.now() + 24 * 3600_000);
  await utimes(lockDir, future, future);
  const info = statSync(lockDir);
  const since = future.toISOString();
  const recordFile = path.join(holders, `build-host-7~4026531836~4242~cafebabe-1`);
  if (record === "json") writeFileSync(recordFile, JSON.stringify({ host: "build-host-7", pid: 4242, since, lock: `${info.ino}:${info.birthtimeMs}` }));
  else expect(spawnSync("mkfifo", [recordFile]).status).toBe(0);
  return { since, recordFile };
}

function engineWithEvents(cacheDir: string) {
  const engine = createEngine({ cacheDir, plugins: [probePlugin()], lockStaleMs: STALE_MS });
  const events: EngineEvent[] = [];
  engine.hooks.event.tap("test", (e) => events.push(e));
  return { engine, events };
}

/** Settles with the build, or fails the test after `ms` instead of hanging the suite. */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms)));
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe("a build lock held by another host", () => {
  it("a lock from the future is taken over after lockStaleMs, and the waiting build says who held it and since when", { timeout: 30_000 }, async () => {
    const cacheDir = path.join(await tmp("lock-future"), "cache");
    const { engine, events } = engineWithEvents(cacheDir);
    const { hash } = await engine.hash(probeSpec("future"));
    const { since, recordFile } = await foreignLock(cacheDir, hash, "json");
    const t0 = Date.now();
    const built = await within(15_000, engine.build(probeSpec("future"), { target: PROBE_TARGET }));
    const waited = Date.now() - t0;
    expect(built.cached).toBe(false);
    expect(waited).toBeGreaterThanOrEqual(STALE_MS);
    const waits = events.filter((e) => e.type === "lock.wait");
    expect(waits).toEqual([{ type: "lock.wait", hash, target: PROBE_TARGET, holder: { host: "build-host-7", pid: 4242, since }, staleMs: STALE_MS, time: expect.any(Number) }]);
    // The taken-over holder's record goes with its folder: no later waiter is told it still holds.
    expect(existsSync(recordFile)).toBe(false);
    report("lock-from-the-future", { staleMs: STALE_MS, takenOverAfterMs: waited });
  });

  it("a FIFO among the holder records is never opened for a blocking read: the holder is unknown, the lock still taken over", { timeout: 30_000 }, async () => {
    const cacheDir = path.join(await tmp("lock-fifo"), "cache");
    const { engine, events } = engineWithEvents(cacheDir);
    const { hash } = await engine.hash(probeSpec("fifo-record"));
    const { recordFile } = await foreignLock(cacheDir, hash, "fifo");
    const built = await within(15_000, engine.build(probeSpec("fifo-record"), { target: PROBE_TARGET }));
    expect(built.cached).toBe(false);
    const waits = events.filter((e) => e.type === "lock.wait");
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ type: "lock.wait", holder: undefined, staleMs: STALE_MS });
    expect(statSync(recordFile).isFIFO()).toBe(true); // a record of another machine is not ours to judge
  });

  it("a live holder of this machine: the waiting build (and the CLI) names its host, pid and start, then builds once it is released", { timeout: 60_000 }, async () => {
    const dir = await tmp("lock-live");
    const cacheDir = path.join(dir, "cache");
    const { engine, events } = engineWithEvents(cacheDir);
    const { hash } = await engine.hash(probeSpec("live"));
    const before = new Date().toISOString();
    const held = await engine.cache.local.lock({ hash, target: PROBE_TARGET }, undefined, { staleMs: STALE_MS });
    const building = engine.build(probeSpec("live"), { target: PROBE_TARGET });
    await sleep(3 * STALE_MS); // longer than the stale time: a live holder refreshes its lock
    expect(await held.verify()).toBe(true);
    await held();
    expect((await within(15_000, building)).cached).toBe(false);
    const waits = events.filter((e) => e.type === "lock.wait");
    expect(waits).toHaveLength(1);
    const holder = (waits[0] as Extract<EngineEvent, { type: "lock.wait" }>).holder!;
    expect(holder).toMatchObject({ host: os.hostname(), pid: process.pid });
    expect(holder.since >= before).toBe(true);
    expect(readdirSync(lockPaths(cacheDir, hash).holders)).toEqual([]);

    // The CLI renders it: who, since when, and when it would be taken over.
    const file = path.join(dir, "env.yaml");
    writeFileSync(file, "probe:\n  id: live-cli\n");
    const { hash: cliHash } = await engine.hash({ path: file });
    const cliHeld = await engine.cache.local.lock({ hash: cliHash, target: PROBE_TARGET }, undefined, { staleMs: STALE_MS });
    setTimeout(() => void cliHeld(), 1500);
    const out = await runCli(["build", file, "--target", PROBE_TARGET, "--cache-dir", cacheDir], { plugins: [probePlugin()] });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(new RegExp(`waiting for the build lock of ${PROBE_TARGET} ${cliHash}: held by pid ${process.pid} on ${os.hostname()} since \\d{4}-\\d\\d-\\d\\dT`));
  });
});
