import { existsSync } from "node:fs";
import { mkdir, rm, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { acquireLock, findStaleLock, reclaimLock, createEngine } from "@envforge/core/plugin-kit";
import { describe, expect, it } from "vitest";
import { auditCache } from "../support/cache-audit.js";
import type { ChildJob } from "../support/reliability-child.js";
import { PROBE_TARGET, probeArtifactComplete, probePlugin, probeSpec, readCounter } from "../support/reliability-plugin.js";
import { reliabilityChild, spawnTs, type TsChild } from "../support/ts-child.js";
import { envCount, envSeed, report, seededRandom, shuffled, tmp } from "./support.js";

const PROCESSES = envCount("ENVFORGE_SF_PROCESSES", 4);
const REQUESTS = envCount("ENVFORGE_SF_REQUESTS", 50);
const HASHES = envCount("ENVFORGE_SF_HASHES", 10);
const STALE_TRIALS = envCount("ENVFORGE_STALE_TRIALS", 3);

function child(job: ChildJob): TsChild {
  return spawnTs(reliabilityChild, [JSON.stringify(job)]);
}

async function finish(c: TsChild): Promise<Array<Record<string, unknown>>> {
  const exit = await c.exited;
  if (exit.code !== 0) throw new Error(`child exited ${exit.code ?? exit.signal}: ${c.stderr().slice(-3000)}`);
  return c.lines;
}

const complete = (e: { artifact: { path?: string | undefined } }) => probeArtifactComplete(e.artifact.path!);

describe("single flight across processes", () => {
  it(`${PROCESSES} processes × ${REQUESTS} concurrent requests over ${HASHES} hashes build each hash exactly once`, { timeout: 180_000 }, async () => {
    const seed = envSeed("ENVFORGE_SF_SEED");
    const random = seededRandom(seed);
    const dir = await tmp("single-flight");
    const cacheDir = path.join(dir, "cache");
    const counterFile = path.join(dir, "builds.log");
    const gate = path.join(dir, "go");
    const ids = Array.from({ length: HASHES }, (_, i) => `h${i}`);
    const children = Array.from({ length: PROCESSES }, (_, p) =>
      child({
        cacheDir,
        plugins: ["probe"],
        startGate: gate,
        jitterMs: 1500,
        builderOptions: { probe: { counterFile, stepMs: 40 } },
        // Every process asks for every hash, each in its own order, several times over.
        requests: shuffled(
          Array.from({ length: REQUESTS }, (_, j) => ids[j % HASHES]!),
          random,
        ).map((id, j) => ({ key: `${p}/${j}/${id}`, spec: probeSpec(id), target: PROBE_TARGET })),
      }),
    );
    for (const c of children) expect(await c.waitFor("ready")).toBeDefined();
    await writeFile(gate, "go");
    const outputs = await Promise.all(children.map(finish));

    const results = outputs.flat().filter((l) => l.type === "result");
    const errors = outputs.flat().filter((l) => l.type === "error");
    expect(errors).toEqual([]);
    expect(results).toHaveLength(PROCESSES * REQUESTS);
    const builds = await readCounter(counterFile);
    expect(builds).toHaveLength(HASHES);
    expect(new Set(builds.map((b) => b.hash)).size).toBe(HASHES);
    // Everyone got the one build of their hash: same hash, generation 1, a complete artifact.
    const byId = new Map<string, Set<string>>();
    for (const r of results) {
      const id = String(r.key).split("/")[2]!;
      byId.set(id, (byId.get(id) ?? new Set()).add(`${String(r.hash)} ${String(r.generation)} ${String(r.path)}`));
    }
    expect(byId.size).toBe(HASHES);
    for (const answers of byId.values()) expect(answers.size).toBe(1);
    expect(results.every((r) => r.generation === 1)).toBe(true);
    const audit = await auditCache(cacheDir, complete);
    expect(audit.broken).toEqual([]);
    expect(audit.incomplete).toEqual([]);
    expect(audit.valid).toHaveLength(HASHES);
    expect(audit.locks).toEqual([]);
    const builders = new Set(builds.map((b) => b.pid)).size;
    report("single-flight", { seed, processes: PROCESSES, requests: PROCESSES * REQUESTS, answered: results.length, hashes: HASHES, builds: builds.length, buildingProcesses: builders, lost: PROCESSES * REQUESTS - results.length });
  });

  it(`a holder SIGKILLed while holding the lock is taken over at once by the next process (${STALE_TRIALS} trials, 4 contenders each)`, { timeout: 180_000 }, async () => {
    const dir = await tmp("stale");
    const cacheDir = path.join(dir, "cache");
    const counterFile = path.join(dir, "builds.log");
    let answered = 0;
    let takeoverMs = 0;
    for (let trial = 0; trial < STALE_TRIALS; trial++) {
      const id = `stale-${trial}`;
      const started = path.join(dir, `started-${trial}`);
      // Four processes will want the hash once the holder is dead (started now, behind a gate).
      const gate = path.join(dir, `go-${trial}`);
      const contenders = Array.from({ length: 4 }, (_, p) =>
        child({
          cacheDir,
          plugins: ["probe"],
          startGate: gate,
          builderOptions: { probe: { counterFile, stepMs: 20 } },
          requests: Array.from({ length: 10 }, (_, j) => ({ key: `${p}/${j}`, spec: probeSpec(id), target: PROBE_TARGET })),
        }),
      );
      // The holder starts a long build and is killed once it holds the lock.
      const holder = child({
        cacheDir,
        plugins: ["probe"],
        builderOptions: { probe: { counterFile, onStart: started, stepMs: 60_000 } },
        requests: [{ key: "holder", spec: probeSpec(id), target: PROBE_TARGET }],
      });
      while (!existsSync(started)) await sleep(20);
      holder.child.kill("SIGKILL");
      expect((await holder.exited).signal).toBe("SIGKILL");
      expect((await auditCache(cacheDir, complete)).locks).toContain(`${PROBE_TARGET}-${(await hashOf(id)).slice(5)}.lock`);

      // The default lockStaleMs is 15 s: only the dead-pid check explains a takeover well before.
      for (const c of contenders) await c.waitFor("ready");
      const t0 = Date.now();
      await writeFile(gate, "go");
      const outputs = await Promise.all(contenders.map(finish));
      takeoverMs = Math.max(takeoverMs, Date.now() - t0);
      const results = outputs.flat().filter((l) => l.type === "result");
      expect(outputs.flat().filter((l) => l.type === "error")).toEqual([]);
      expect(results).toHaveLength(40);
      answered += results.length;
      expect(new Set(results.map((r) => r.generation))).toEqual(new Set([1]));
      // The killed holder's start plus exactly one rebuild.
      expect((await readCounter(counterFile)).filter((b) => b.id === id)).toHaveLength(2);
    }
    expect(takeoverMs).toBeLessThan(10_000);
    const audit = await auditCache(cacheDir, complete);
    expect(audit.broken).toEqual([]);
    expect(audit.incomplete).toEqual([]);
    expect(audit.valid).toHaveLength(STALE_TRIALS);
    expect(audit.locks).toEqual([]);
    report("stale-lock", { trials: STALE_TRIALS, killedHolders: STALE_TRIALS, requests: STALE_TRIALS * 40, answered, rebuildsPerTrial: 1, slowestTakeoverMs: takeoverMs });
  });

  it("a lock of a holder on another machine is taken over only after lockStaleMs; a live holder's never", { timeout: 60_000 }, async () => {
    const dir = await tmp("stale-age");
    const cacheDir = path.join(dir, "cache");
    const counterFile = path.join(dir, "builds.log");
    const engine = createEngine({ cacheDir, plugins: [probePlugin()], lockStaleMs: 2000 });
    const { hash } = await engine.hash(probeSpec("remote"));
    const lockFile = path.join(cacheDir, "v1", "locks", `${PROBE_TARGET}-${hash.slice(5)}`);
    // A holder elsewhere: the lock folder exists, its owner is another host, its heartbeat stopped.
    await mkdir(`${lockFile}.lock`, { recursive: true });
    await mkdir(`${lockFile}.holders`, { recursive: true });
    await writeFile(path.join(`${lockFile}.holders`, "elsewhere~1~4242~x"), "");
    const t0 = Date.now();
    const built = await engine.build(probeSpec("remote"), { target: PROBE_TARGET, builderOptions: { probe: { counterFile } } });
    const waited = Date.now() - t0;
    expect(built.cached).toBe(false);
    expect(waited).toBeGreaterThanOrEqual(1500);

    // A live holder (this process) keeps its lock fresh: a child with lockStaleMs 2 s waits for it.
    const held = await engine.cache.local.lock({ hash: (await engine.hash(probeSpec("live"))).hash, target: PROBE_TARGET }, undefined, { staleMs: 2000 });
    const waiter = child({
      cacheDir,
      lockStaleMs: 2000,
      plugins: ["probe"],
      builderOptions: { probe: { counterFile } },
      requests: [{ key: "w", spec: probeSpec("live"), target: PROBE_TARGET }],
    });
    await waiter.waitFor("ready");
    await sleep(5000);
    expect((await readCounter(counterFile)).filter((b) => b.id === "live")).toHaveLength(0);
    expect(await held.verify()).toBe(true);
    await held();
    const out = await finish(waiter);
    expect(out.find((l) => l.type === "result")).toMatchObject({ cached: false, generation: 1 });
    report("stale-by-age", { remoteTakeoverAfterMs: waited, liveHolderKeptMs: 5000 });
  });

  it("a waiter acting on an old judgement never removes a lock taken anew meanwhile", async () => {
    const dir = await tmp("reclaim-race");
    const file = path.join(dir, "key");
    await mkdir(`${file}.lock`);
    const old = new Date(Date.now() - 3_600_000);
    await utimes(`${file}.lock`, old, old);
    const judged = await findStaleLock(`${file}.lock`, `${file}.holders`, 1000);
    expect(judged).toBeDefined();
    // Another waiter reclaims it first and takes the lock; then the slow one acts on what it saw.
    expect(await reclaimLock(`${file}.lock`, judged!)).toBe(true);
    const fresh = await acquireLock(file, { staleMs: 1000 });
    expect(await reclaimLock(`${file}.lock`, judged!)).toBe(false);
    expect(await fresh.verify()).toBe(true);
    expect(await findStaleLock(`${file}.lock`, `${file}.holders`, 1000)).toBeUndefined();
    // Same after the folder is removed and re-created with a recycled inode number.
    await fresh();
    await rm(`${file}.lock`, { recursive: true, force: true });
    const again = await acquireLock(file, { staleMs: 1000 });
    expect(await reclaimLock(`${file}.lock`, judged!)).toBe(false);
    expect(await again.verify()).toBe(true);
    await again();
  });
});

async function hashOf(id: string): Promise<string> {
  const engine = createEngine({ cacheDir: path.join(os.tmpdir(), "envforge-rel-hash-only"), plugins: [probePlugin()] });
  return (await engine.hash(probeSpec(id))).hash;
}
