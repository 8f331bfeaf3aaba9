/**
 * Two real machines: two dockerd daemons (own sockets and data roots), one registry, one Redis,
 * two cache folders. Concurrent requests on both build each new definition once across the two,
 * and a miss on a machine that never built anything on a base reuses the lower layers the other
 * machine pushed (the registry cache's `base-…` tag as `--cache-from`).
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BuildResult } from "@envforge/core";
import { createEngine, type EngineEvent } from "@envforge/core/plugin-kit";
import { imageBaseOf, LABEL_BASE } from "@envforge/image";
import { dockerEngines, dockerPlugin } from "@envforge/plugin-docker";
import { redisCoordinatorPlugin, type RedisCoordinatorOptions } from "@envforge/plugin-redis";
import { MEDIA_OCI_MANIFEST, registryCachePlugin } from "@envforge/plugin-registry-cache";
import { importBaseImage, makeTinyRootfs } from "../support/base-image.js";
import { auditCache } from "../support/cache-audit.js";
import { dockerdUnavailable, startDockerd, type Dockerd } from "../support/dockerd.js";
import { redisUnavailable, startRedis, type TestRedis } from "../support/redis.js";
import { registryUnavailable, startRegistry, type TestRegistry } from "../support/registry.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { reliabilityChild, spawnTs } from "../support/ts-child.js";
import { report, tmp } from "../reliability/support.js";

const reason = (await dockerdUnavailable()) ?? (await registryUnavailable()) ?? (await redisUnavailable());
if (reason && inCI) throw new Error(`CI must run the two-machine test: ${reason}`);
warnSkip("the two-machine farm test", reason);

// Two bases of the same content under two names: the layer-reuse case has a base of its own, so
// the `base-…` tag it reads is the one its first build pushed, whatever the first case left.
const BASE = "envforge-test-tiny:farm";
const REUSE_BASE = "envforge-test-tiny:farm-reuse";
const K = 3;
const N = 3;

describe.skipIf(reason !== undefined)(titleWithReason("two machines: two dockerd, one registry, one Redis", reason), () => {
  let dir: string;
  let registry: TestRegistry;
  let redis: TestRedis;
  const daemons: Dockerd[] = [];
  const closers: (() => Promise<void>)[] = [];
  let n = 0;

  beforeAll(async () => {
    dir = await tmp("farm-machines");
    [registry, redis] = await Promise.all([startRegistry(), startRedis()]);
    daemons.push(...(await Promise.all([startDockerd(), startDockerd()])));
    const [a, b] = daemons as [Dockerd, Dockerd];
    // One base image, byte for byte the same on both (as if pulled from one registry): docker's
    // classic builder reuses a layer only when the whole history below it is identical.
    const rootfs = await makeTinyRootfs(dir, ["cat", "sleep"]);
    await importBaseImage(["docker", "--host", a.host], BASE, process.env, rootfs);
    await a.docker(["tag", BASE, REUSE_BASE]);
    const saved = path.join(dir, "base.tar");
    await a.docker(["save", "--output", saved, BASE, REUSE_BASE]);
    await b.docker(["load", "--input", saved]);
  }, 180_000);

  afterAll(async () => {
    for (const close of closers) await close().catch(() => undefined);
    for (const d of daemons) await d.stop().catch(() => undefined);
    await registry?.stop();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const builderOptions = { docker: { network: "none" } };
  const coordinatorOptions = (more: Partial<RedisCoordinatorOptions> = {}): RedisCoordinatorOptions => ({ url: redis.url, targets: ["docker"], ttlMs: 10_000, pollMs: 50, prefix: "farm-test:", ...more });
  function machine(dockerd: Dockerd, name: string, more: Partial<RedisCoordinatorOptions> = {}) {
    const connection = { host: dockerd.host };
    const coordinator = redisCoordinatorPlugin(coordinatorOptions(more));
    closers.push(() => coordinator.close());
    const engine = createEngine({
      cacheDir: path.join(dir, `cache-${name}`),
      plugins: [
        dockerPlugin(connection),
        registryCachePlugin({ registry: registry.host, insecure: true, targets: ["docker"], engines: { docker: dockerEngines(connection) } }),
        coordinator,
      ],
    });
    const events: EngineEvent[] = [];
    engine.hooks.event.tap("test", (e) => void events.push(e));
    return { engine, events, dockerd, name };
  }
  type Machine = ReturnType<typeof machine>;
  const builds = (...ms: Machine[]) => ms.flatMap((m) => m.events.filter((e) => e.type === "build.start").map((e) => ({ machine: m.name, hash: (e as { hash: string }).hash })));
  const warnings = (...ms: Machine[]) => ms.flatMap((m) => m.events.filter((e) => e.type === "warning"));
  const envFile = (base: string, steps: string[]) => {
    const d = path.join(dir, `env-${++n}`);
    mkdirSync(d, { recursive: true });
    const file = path.join(d, "env.yaml");
    writeFileSync(file, [`name: farm-${n}`, "docker:", `  baseImage: ${base}`, "  steps:", ...steps.map((s) => `    - ${JSON.stringify(s)}`), ""].join("\n"));
    return file;
  };
  const inDaemon = async (m: Machine, result: BuildResult) => {
    const inspect = await m.dockerd.docker(["image", "inspect", "--format", "{{json .Config.Labels}}", result.entry.artifact.reference!], { allowFailure: true });
    return inspect.code === 0 && (JSON.parse(inspect.stdout) as Record<string, string>)["dev.envforge.hash"] === result.hash;
  };

  it(`2 machines × ${N} concurrent requests over ${K} new definitions: exactly ${K} builds, every request gets an image in its own daemon`, { timeout: 120_000 }, async () => {
    const a = machine(daemons[0]!, "a");
    const b = machine(daemons[1]!, "b");
    const files = Array.from({ length: K }, (_, i) => envFile(BASE, [`ENV FARM_DEFINITION=${i}`, `RUN echo ${i} > /definition`]));
    const started = Date.now();
    const requests = [a, b].flatMap((m) => files.flatMap((file) => Array.from({ length: N }, async () => ({ m, result: await m.engine.build(file, { target: "docker", builderOptions }) }))));
    const results = await Promise.all(requests);
    const wallMs = Date.now() - started;

    expect(results).toHaveLength(2 * N * K);
    const built = builds(a, b);
    expect(new Set(built.map((x) => x.hash)).size).toBe(K);
    expect(built).toHaveLength(K);
    for (const { m, result } of results) expect(await inDaemon(m, result), `${m.name}: ${result.entry.artifact.reference}`).toBe(true);
    // The machine that did not build a definition took it from the registry, not by building.
    const fromRegistry = results.filter(({ result }) => result.store === "registry").length;
    expect(fromRegistry).toBeGreaterThan(0);
    expect(warnings(a, b)).toEqual([]);
    report("farm two dockerd", { requests: results.length, definitions: K, builds: built.length, perMachine: { a: builds(a).length, b: builds(b).length }, fromRegistry, wallMs });
  });

  it("a definition that changes only its last step, on a machine that never built on its base, reuses the lower layers", { timeout: 120_000 }, async () => {
    const a = machine(daemons[0]!, "a2");
    const b = machine(daemons[1]!, "b2");
    // The lower step stands for conda/pip layers: slow, and the same in both definitions.
    const lower = "RUN sleep 3 && echo lower > /lower";
    const first = envFile(REUSE_BASE, [lower, "RUN echo one > /top"]);
    const second = envFile(REUSE_BASE, [lower, "RUN echo two > /top"]);

    const full = await a.engine.build(first, { target: "docker", builderOptions });
    expect(full.cached).toBe(false);
    const base = imageBaseOf((await a.engine.hash(first)).canonical)!;
    const baseTag = `${registry.host}/envforge/cache:${base.tag}`;
    // The push tagged it as the latest image on its base.
    expect((await fetch(`http://${registry.host}/v2/envforge/cache/manifests/${base.tag}`, { method: "HEAD", headers: { accept: MEDIA_OCI_MANIFEST } })).status).toBe(200);

    const reuse = await b.engine.build(second, { target: "docker", builderOptions });
    expect(reuse.cached).toBe(false);
    expect(builds(b)).toHaveLength(1);
    const details = reuse.entry.artifact.details as { cacheFrom?: string[]; cachedSteps?: string[]; layers?: string[] };
    expect(details.cacheFrom).toEqual([baseTag]);
    expect(details.cachedSteps?.some((s) => s.includes("sleep 3"))).toBe(true);
    expect(details.cachedSteps?.some((s) => s.includes("echo two"))).toBe(false);
    // Every layer below the changed step is the pulled image's, byte for byte.
    const pulled = JSON.parse((await b.dockerd.docker(["image", "inspect", "--format", "{{json .RootFS.Layers}}", baseTag])).stdout) as string[];
    expect(details.layers?.slice(0, -1)).toEqual(pulled.slice(0, -1));
    expect(details.layers?.at(-1)).not.toBe(pulled.at(-1));
    const labels = JSON.parse((await b.dockerd.docker(["image", "inspect", "--format", "{{json .Config.Labels}}", reuse.entry.artifact.reference!])).stdout) as Record<string, string>;
    expect(labels[LABEL_BASE]).toBe(base.label);
    const run = await b.dockerd.docker(["run", "--rm", "--network", "none", reuse.entry.artifact.reference!, "cat", "/lower", "/top"]);
    expect(run.stdout.trim().split("\n").map((l) => l.trim())).toEqual(["lower", "two"]);
    expect(warnings(a, b)).toEqual([]);
    report("farm layer reuse", { fullBuildMs: Math.round(full.entry.timings.durationMs), reuseRebuildMs: Math.round(reuse.entry.timings.durationMs), cachedSteps: details.cachedSteps?.length, layers: details.layers?.length });
  });

  it("a builder killed mid-build is taken over after the TTL by the other machine, with nothing corrupt left", { timeout: 120_000 }, async () => {
    const [da, db] = daemons as [Dockerd, Dockerd];
    const file = envFile(BASE, ["ENV FARM_KILLED=1", "RUN sleep 5 && echo killed > /killed"]);
    const victimCache = path.join(dir, "cache-victim");
    const ttl = { ttlMs: 1_500 };
    const victim = spawnTs(reliabilityChild, [
      JSON.stringify({
        cacheDir: victimCache,
        plugins: ["docker"],
        pluginOptions: { docker: { host: da.host } },
        registryCache: { registry: registry.host },
        farm: { redis: coordinatorOptions(ttl) },
        announce: ["build.start"],
        requests: [{ key: "x", spec: file, target: "docker" }],
        builderOptions,
      }),
    ]);
    // build.start comes after the coordinate hook: the victim holds the lease from here on.
    if (!(await victim.waitFor("build.start"))) throw new Error(`the victim never started building: ${victim.stderr().slice(-2000)}`);
    victim.child.kill("SIGKILL");
    expect((await victim.exited).signal).toBe("SIGKILL");

    const b = machine(db, "b3", ttl);
    const started = Date.now();
    const result = await b.engine.build(file, { target: "docker", builderOptions });
    const takeoverMs = Date.now() - started;
    expect(result.cached).toBe(false);
    expect(await inDaemon(b, result)).toBe(true);
    // It waited on the dead holder's lease, then built itself once the lease ran out.
    expect(b.events.some((e) => e.type === "lock.wait")).toBe(true);
    expect(builds(b)).toHaveLength(1);
    const run = await db.docker(["run", "--rm", "--network", "none", result.entry.artifact.reference!, "cat", "/killed"]);
    expect(run.stdout.trim()).toBe("killed");
    // The killed machine's cache holds no entry (its image, if its docker CLI finished, is not one).
    const audit = await auditCache(victimCache, () => Promise.resolve(false));
    expect(audit.valid).toEqual([]);
    expect(audit.broken).toEqual([]);
    expect(audit.incomplete).toEqual([]);
    expect(warnings(b)).toEqual([]);
    report("farm takeover", { ttlMs: ttl.ttlMs, takeoverMs, buildMs: Math.round(result.entry.timings.durationMs) });
  });

  // Last: it stops and restarts the shared Redis.
  it("Redis stopped mid-run: a docker build still succeeds, with W_REDIS_UNREACHABLE", { timeout: 120_000 }, async () => {
    const a = machine(daemons[0]!, "a4", { connectTimeoutMs: 500 });
    const before = await a.engine.build(envFile(BASE, ["RUN echo before > /outage"]), { target: "docker", builderOptions });
    expect(before.entry.coordination?.fence).toBeTypeOf("number");
    await redis.stop();
    try {
      const during = await a.engine.build(envFile(BASE, ["RUN echo during > /outage"]), { target: "docker", builderOptions });
      expect(during.cached).toBe(false);
      expect(during.entry.coordination).toBeUndefined();
      expect(await inDaemon(a, during)).toBe(true);
      expect(warnings(a).map((w) => w.type === "warning" && w.code)).toEqual(["W_REDIS_UNREACHABLE"]);
    } finally {
      await redis.start();
    }
  });
});
