import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createEngine, type EngineEvent, type EnginePlugin } from "@envforge/core/plugin-kit";
import { RedisLeases, redisCoordinatorPlugin, resolveRedisOptions } from "@envforge/plugin-redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditCache } from "../support/cache-audit.js";
import { redisUnavailable, startRedis, type TestRedis } from "../support/redis.js";
import { PROBE_TARGET, probeArtifactComplete, probePlugin, probeSpec, readCounter } from "../support/reliability-plugin.js";
import { sharedTierPlugin } from "../support/shared-tier.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { reliabilityChild, spawnTs } from "../support/ts-child.js";
import { tmp } from "../reliability/support.js";

// Two "machines" are two engines (or processes) with their own cache folders, one Redis and one
// shared tier (what the registry cache is for images): the coordinator must make each new key
// build once across all of them.
const PASSWORD = "farm-secret-7d1c";
const reason = await redisUnavailable();
if (reason && inCI) throw new Error(`CI must have redis-server: ${reason}`);
warnSkip("the Redis coordinator tests", reason);

describe.skipIf(reason !== undefined)(titleWithReason("one build per key across machines (Redis leases)", reason), () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD });
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const farmOptions = (extra: Record<string, unknown> = {}) => ({ url: redis.url, password: PASSWORD, targets: [PROBE_TARGET], ttlMs: 1_500, pollMs: 25, prefix: `t${Math.random().toString(36).slice(2)}:`, ...extra });

  async function machine(dir: string, name: string, shared: string, options = farmOptions()) {
    const events: EngineEvent[] = [];
    const coordinator = redisCoordinatorPlugin(options);
    const plugins: EnginePlugin[] = [probePlugin(), sharedTierPlugin(shared), coordinator];
    const engine = createEngine({ cacheDir: path.join(dir, name), plugins });
    engine.hooks.event.tap("test", (e) => void events.push(e));
    return { engine, events, close: () => coordinator.close(), cacheDir: path.join(dir, name) };
  }

  it("leases: one holder; fencing tokens grow; only the holder renews or releases", async () => {
    const client = new Redis(redis.url, { password: PASSWORD, lazyConnect: true });
    await client.connect();
    try {
      const leases = new RedisLeases(client, { prefix: "lease-test:", ttlMs: 2_000 });
      const first = await leases.acquire("k");
      expect("renew" in first).toBe(true);
      const second = await leases.acquire("k");
      expect("heldBy" in second && second.heldBy?.pid).toBe(process.pid);
      if (!("renew" in first)) throw new Error("unreachable");
      expect(await first.renew()).toBe(true);
      await first.release();
      const third = await leases.acquire("k");
      if (!("renew" in third)) throw new Error("the released lease was not free");
      expect(third.holder.fence).toBeGreaterThan(first.holder.fence);
      // The old holder's renew and release do not touch the new lease.
      expect(await first.renew()).toBe(false);
      await first.release();
      expect((await leases.holder("k"))?.id).toBe(third.holder.id);
      await third.release();
    } finally {
      client.disconnect();
    }
  });

  it("a URL with credentials is refused; credentials come apart from it", () => {
    expect(() => resolveRedisOptions({ url: `redis://user:${PASSWORD}@127.0.0.1:6379` })).toThrow(/carries credentials/);
    expect(() => resolveRedisOptions({ url: "http://127.0.0.1:6379" })).toThrow(/not redis:/);
    expect(resolveRedisOptions({ url: "redis://127.0.0.1:1", password: "x" }).url).not.toContain("x@");
  });

  it("2 machines × 6 concurrent requests over 4 new definitions: exactly 4 builds, every request served", { timeout: 120_000 }, async () => {
    const dir = await tmp("farm-flight");
    const shared = path.join(dir, "shared");
    const counterFile = path.join(dir, "builds.log");
    const options = farmOptions();
    const a = await machine(dir, "a", shared, options);
    const b = await machine(dir, "b", shared, options);
    try {
      const ids = ["k0", "k1", "k2", "k3"];
      const requests = [a, b].flatMap((m) =>
        ids.flatMap((id) => Array.from({ length: 6 }, () => m.engine.build(probeSpec(id), { target: PROBE_TARGET, builderOptions: { probe: { counterFile, stepMs: 15 } } }))),
      );
      const results = await Promise.all(requests);
      expect(results).toHaveLength(48);
      for (const r of results) expect(await probeArtifactComplete(r.entry.artifact.path!)).toBe(true);
      const builds = await readCounter(counterFile);
      expect(builds.map((x) => x.id).sort()).toEqual(ids);
      // The machine that did not build a key was served by the shared tier, not by building.
      expect(results.filter((r) => r.store === "shared-tier").length).toBeGreaterThan(0);
      const fenced = results.filter((r) => !r.cached).map((r) => r.entry.coordination?.fence);
      expect(fenced.every((f) => typeof f === "number")).toBe(true);
      for (const m of [a, b]) {
        const audit = await auditCache(m.cacheDir, (e) => probeArtifactComplete(e.artifact.path!));
        expect(audit.broken).toEqual([]);
        expect(audit.incomplete).toEqual([]);
      }
      expect([...a.events, ...b.events].filter((e) => e.type === "warning")).toEqual([]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("a holder killed mid-build is taken over after the TTL, with nothing corrupt left", { timeout: 120_000 }, async () => {
    const dir = await tmp("farm-takeover");
    const shared = path.join(dir, "shared");
    const counterFile = path.join(dir, "builds.log");
    const onStart = path.join(dir, "started");
    const options = farmOptions({ ttlMs: 1_500 });
    const victim = spawnTs(reliabilityChild, [
      JSON.stringify({
        cacheDir: path.join(dir, "victim"),
        plugins: ["probe"],
        farm: { redis: options, sharedDir: shared },
        requests: [{ key: "x", spec: probeSpec("killed"), target: PROBE_TARGET }],
        builderOptions: { probe: { counterFile, onStart, stepMs: 200, crashAt: "middle" } },
      }),
    ]);
    const deadline = Date.now() + 60_000;
    while (!existsSync(onStart)) {
      if (Date.now() > deadline) throw new Error(`the victim never started building: ${victim.stderr().slice(-2000)}`);
      await sleep(20);
    }
    const b = await machine(dir, "b", shared, options);
    try {
      const started = Date.now();
      const result = await b.engine.build(probeSpec("killed"), { target: PROBE_TARGET, builderOptions: { probe: { counterFile } } });
      const exit = await victim.exited;
      expect(exit.signal).toBe("SIGKILL");
      expect(result.cached).toBe(false);
      expect(await probeArtifactComplete(result.entry.artifact.path!)).toBe(true);
      // It waited for the dead holder's lease (a lock.wait), then built itself after the TTL.
      expect(b.events.some((e) => e.type === "lock.wait")).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
      expect((await readCounter(counterFile)).map((x) => x.id)).toEqual(["killed", "killed"]);
      // The victim's half-built folder is debris, never an entry; the shared tier has only the good build.
      const victimAudit = await auditCache(path.join(dir, "victim"), (e) => probeArtifactComplete(e.artifact.path!));
      expect(victimAudit.valid).toEqual([]);
      expect(victimAudit.broken).toEqual([]);
      const published = await readdir(path.join(shared, PROBE_TARGET));
      expect(published).toHaveLength(1);
    } finally {
      await b.close();
    }
  });

  it("Redis stopped mid-run: a warning and a local build, never a failure; coordinated again once it is back", { timeout: 120_000 }, async () => {
    const dir = await tmp("farm-outage");
    const shared = path.join(dir, "shared");
    const a = await machine(dir, "a", shared, farmOptions({ connectTimeoutMs: 500 }));
    try {
      const first = await a.engine.build(probeSpec("before"), { target: PROBE_TARGET });
      expect(first.entry.coordination?.fence).toBeTypeOf("number");
      await redis.stop();
      const during = await a.engine.build(probeSpec("during"), { target: PROBE_TARGET });
      expect(during.cached).toBe(false);
      expect(during.entry.coordination).toBeUndefined();
      const warnings = a.events.filter((e) => e.type === "warning");
      expect(warnings.map((w) => w.type === "warning" && w.code)).toEqual(["W_REDIS_UNREACHABLE"]);
      // The password never reaches an event.
      expect(JSON.stringify(a.events)).not.toContain(PASSWORD);
      await redis.start();
      const after = await a.engine.build(probeSpec("after"), { target: PROBE_TARGET });
      expect(after.entry.coordination?.fence).toBeTypeOf("number");
    } finally {
      await a.close();
    }
  });

  it("a wrong password is a warning (W_REDIS_UNREACHABLE), and the build goes on", { timeout: 60_000 }, async () => {
    const dir = await tmp("farm-auth");
    const a = await machine(dir, "a", path.join(dir, "shared"), farmOptions({ password: "wrong" }));
    try {
      const result = await a.engine.build(probeSpec("auth"), { target: PROBE_TARGET });
      expect(result.cached).toBe(false);
      expect(a.events.some((e) => e.type === "warning" && e.code === "W_REDIS_UNREACHABLE")).toBe(true);
    } finally {
      await a.close();
    }
  });
});
