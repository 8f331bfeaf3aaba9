import type { CacheHit } from "../cache/types.js";
import type { CanonicalSpec, Hash } from "../definition/spec.js";
import type { EngineCore } from "./core.js";
import { reachesAnyone } from "./intercept.js";
import { memoryFirst } from "./memory-store-plugin.js";

/**
 * Stage `lookup`: asks each store in order (the `lookup` taps by stage: memory, local, then
 * plugins' tiers); a lower tier's hit is recorded in the faster ones (`backfill`).
 */
export function lookupStage(core: EngineCore) {
  const { hooks, memory, emit } = core;
  return async function lookup(hash: Hash, target: string, canonical?: CanonicalSpec): Promise<CacheHit | undefined> {
    const key = { hash, target };
    // The warm hit, answered by the memory tier without the async hook chain (a few µs of
    // promise hops on a path whose whole budget is ~15 µs). Only when nothing could see the
    // difference: the memory tier is the first tap and no interceptor watches calls.
    if (memoryFirst(hooks)) {
      const entry = memory.get(key);
      if (entry) {
        if (reachesAnyone(hooks.event)) {
          const start = performance.now();
          emit({ type: "stage.start", stage: "lookup", hash, target });
          emit({ type: "cache.hit", hash, target, store: "memory", generation: entry.generation });
          emit({ type: "stage.finish", stage: "lookup", durationMs: performance.now() - start, hash, target });
        }
        return { entry, store: "memory" };
      }
    }
    return core.timed(
      "lookup",
      async () => {
        const hit = await hooks.lookup.promise(key, canonical ?? { contract: "efh1", sections: {} });
        if (hit) {
          if (hit.store !== "memory" && !core.options.readOnly) await hooks.backfill.promise(hit.entry, hit.store);
          emit({ type: "cache.hit", hash, target, store: hit.store, generation: hit.entry.generation });
        } else emit({ type: "cache.miss", hash, target });
        return hit;
      },
      key,
    );
  };
}
