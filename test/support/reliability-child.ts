/**
 * A build process for the reliability tests, run with `node --conditions=source --import tsx`.
 * argv[2] is a JSON `ChildJob`; it runs every request concurrently through one engine and prints
 * one JSON line per event: `ready` (engine built, requests start now), `result`/`error` per
 * request, then `done`. With `crashPoint` it SIGKILLs itself at that point of the pipeline.
 */
import { createEngine, isEnvforgeError, type BuilderOptions, type EnginePlugin, type SpecSource } from "@envforge/core/plugin-kit";
import type { DockerPluginOptions } from "@envforge/plugin-docker";
import type { PodmanPluginOptions } from "@envforge/plugin-podman";
import type { SparkPluginOptions } from "@envforge/plugin-spark";
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { probePlugin } from "./reliability-plugin.js";
import { sharedTierPlugin } from "./shared-tier.js";
import { redisCoordinatorPlugin, type RedisCoordinatorOptions } from "@envforge/plugin-redis";

export type CrashPoint = "build-start" | "build-finished" | "before-store" | "after-store";

export type ChildPlugin = "probe" | "pip" | "spark" | "docker" | "podman";

export interface ChildJob {
  cacheDir: string;
  lockStaleMs?: number;
  plugins: ChildPlugin[];
  /** Options of the real-tool plugins (which docker engine or podman storage they build on). */
  pluginOptions?: { spark?: SparkPluginOptions; docker?: DockerPluginOptions; podman?: PodmanPluginOptions };
  requests: Array<{ key: string; spec: SpecSource; target: string; rebuild?: boolean }>;
  builderOptions?: BuilderOptions;
  crashPoint?: CrashPoint;
  secrets?: string[];
  /** Wait for this file before starting, so several children start their requests together. */
  startGate?: string;
  /** Each request starts after a random pause of up to this many ms (interleaves processes). */
  jitterMs?: number;
  /** Another "machine": a Redis coordinator and a cache tier in a folder all machines share. */
  farm?: { redis: RedisCoordinatorOptions; sharedDir?: string };
  /** The docker target's OCI registry cache (a "machine" of the two-dockerd farm test). */
  registryCache?: { registry: string };
  /** Event types printed as `{ type }` lines when they happen (so a test can kill at that point). */
  announce?: string[];
}

const job = JSON.parse(process.argv[2] ?? "{}") as ChildJob;
const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const crash = () => process.kill(process.pid, "SIGKILL");

const load: Record<ChildPlugin, () => Promise<EnginePlugin>> = {
  probe: () => Promise.resolve(probePlugin()),
  pip: async () => (await import("@envforge/plugin-pip")).pipPlugin(),
  spark: async () => (await import("@envforge/plugin-spark")).sparkPlugin(job.pluginOptions?.spark),
  docker: async () => (await import("@envforge/plugin-docker")).dockerPlugin(job.pluginOptions?.docker),
  podman: async () => (await import("@envforge/plugin-podman")).podmanPlugin(job.pluginOptions?.podman),
};
const plugins: EnginePlugin[] = await Promise.all(job.plugins.map((p) => load[p]()));
if (job.crashPoint) plugins.push(crashPlugin(job.crashPoint));
if (job.registryCache) plugins.push(await registryCache(job.registryCache.registry));
if (job.farm?.sharedDir) plugins.push(sharedTierPlugin(job.farm.sharedDir));
if (job.farm) plugins.push(redisCoordinatorPlugin(job.farm.redis));
if (job.announce) plugins.push(announcePlugin(job.announce));
const engine = createEngine({ cacheDir: job.cacheDir, plugins, lockStaleMs: job.lockStaleMs, secrets: job.secrets });

async function registryCache(registry: string): Promise<EnginePlugin> {
  const { registryCachePlugin } = await import("@envforge/plugin-registry-cache");
  const { dockerEngines } = await import("@envforge/plugin-docker");
  return registryCachePlugin({ registry, insecure: true, targets: ["docker"], engines: { docker: dockerEngines(job.pluginOptions?.docker) } });
}

function announcePlugin(types: string[]): EnginePlugin {
  return { name: "announce", apply: (e) => e.hooks.event.tap("announce", (event) => void (types.includes(event.type) && say({ type: event.type }))) };
}

function crashPlugin(point: CrashPoint): EnginePlugin {
  return {
    name: "crash",
    apply(e) {
      if (point === "before-store") e.hooks.store.tap({ name: "crash", stage: 0 }, crash);
      if (point === "after-store") e.hooks.store.tap({ name: "crash", stage: 100 }, crash);
      e.hooks.event.tap("crash", (event) => {
        if (point === "build-start" && event.type === "build.start") crash();
        if (point === "build-finished" && event.type === "stage.finish" && event.stage === "build") crash();
      });
    },
  };
}

say({ type: "ready", pid: process.pid });
if (job.startGate) while (!existsSync(job.startGate)) await sleep(10);
let failures = 0;
await Promise.all(
  job.requests.map(async (request) => {
    if (job.jitterMs) await sleep(Math.random() * job.jitterMs);
    try {
      const result = await engine.build(request.spec, { target: request.target, rebuild: request.rebuild, builderOptions: job.builderOptions });
      say({
        type: "result",
        key: request.key,
        hash: result.hash,
        cached: result.cached,
        store: result.store,
        generation: result.entry.generation,
        path: result.entry.artifact.path,
      });
    } catch (error) {
      failures++;
      say({
        type: "error",
        key: request.key,
        code: isEnvforgeError(error) ? error.code : "RAW",
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }),
);
say({ type: "done", failures });
