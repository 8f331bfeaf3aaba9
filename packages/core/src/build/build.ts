import { MemoryStore } from "../cache/memory-store.js";
import type { CacheEntry, CacheKey } from "../cache/types.js";
import { createError } from "../errors/factories.js";
import type { ParsedSpec, SpecSource } from "../definition/spec.js";
import type { EngineCore } from "../engine/core.js";
import type { Engine } from "../engine/types.js";
import { checkTimeoutMs } from "./build-support.js";
import type { BuildRequest, BuildResult } from "./build-types.js";
import { buildLocked } from "./build-run.js";

/**
 * `engine.build`, the whole pipeline: resolve, refuse a target that cannot hold the definition,
 * look up, and build only on a miss — once per key in this process (single flight) and, under the
 * key's lock, once across processes (build-run.ts).
 */
export function buildStage(
  core: EngineCore,
  stages: Pick<Engine, "resolve" | "checkTarget" | "lookup">,
  serve: (key: CacheKey, generation: number) => Promise<CacheEntry>,
): Engine["build"] {
  const inflight = new Map<string, Promise<BuildResult>>();
  /** `request.generation`: that generation from the local store (rollback), never a build. */
  async function serveGeneration(key: CacheKey, request: BuildRequest, started: number): Promise<BuildResult> {
    if (request.rebuild) {
      throw createError("E_INVALID_VALUE", "a rebuild builds a new generation: it does not go with serving generation " + String(request.generation), { field: "generation", hint: "leave out rebuild, or the generation" });
    }
    const entry = await serve(key, request.generation!);
    core.emit({ type: "cache.hit", hash: key.hash, target: key.target, store: "local", generation: entry.generation });
    return { hash: key.hash, target: key.target, cached: true, store: "local", entry, timings: { totalMs: performance.now() - started } };
  }
  return async function build(source: SpecSource | ParsedSpec, request: BuildRequest): Promise<BuildResult> {
    const started = performance.now();
    checkTimeoutMs(request.timeoutMs);
    const { parsed, result } = await stages.resolve(source);
    const fit = stages.checkTarget({ parsed, result }, request);
    const key = { hash: result.hash, target: request.target };
    if (request.generation !== undefined) return serveGeneration(key, request, started);
    if (!request.rebuild) {
      const hit = await stages.lookup(result.hash, request.target, result.canonical);
      if (hit) return { hash: result.hash, target: request.target, cached: true, store: hit.store, entry: hit.entry, timings: { totalMs: performance.now() - started } };
    }
    // Single flight within this process: concurrent calls for one key share one build.
    const flightKey = MemoryStore.keyOf(key);
    const running = inflight.get(flightKey);
    if (running) return running;
    const flight = buildLocked(core, { parsed, result, request, started, fit }).finally(() => inflight.delete(flightKey));
    inflight.set(flightKey, flight);
    return flight;
  };
}
