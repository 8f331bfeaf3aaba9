import type { MemoryStore } from "../cache/memory-store.js";
import { STAGE_MEMORY } from "../cache/types.js";
import type { EngineHooks } from "../hooks.js";
import type { EnginePlugin } from "./types.js";

export const MEMORY_TAP = "envforge:memory";

/**
 * The in-memory first tier, a built-in plugin `createEngine` applies before the host's: it answers
 * `lookup` first (stage -10) and keeps every entry another tier found (`backfill`) or a build
 * stored (`store`, before the local store).
 */
export function memoryStorePlugin(memory: MemoryStore): EnginePlugin {
  return {
    name: MEMORY_TAP,
    apply(engine) {
      engine.hooks.lookup.tap({ name: MEMORY_TAP, stage: STAGE_MEMORY }, (key) => {
        const entry = memory.get(key);
        return entry ? { entry, store: "memory" } : undefined;
      });
      engine.hooks.backfill.tap(MEMORY_TAP, (entry) => memory.put(entry));
      engine.hooks.store.tap({ name: MEMORY_TAP, stage: STAGE_MEMORY }, (entry) => memory.put(entry));
    },
  };
}

/**
 * Whether `engine.lookup` may answer from the memory tier without calling the hook (lookup.ts):
 * only while the memory tap is still the first `lookup` tap and no interceptor watches calls,
 * taps, results or errors — so nothing could tell the difference.
 */
export function memoryFirst(hooks: EngineHooks): boolean {
  return hooks.lookup.taps[0]?.name === MEMORY_TAP && hooks.lookup.interceptors.every((i) => !i.call && !i.tap && !i.result && !i.error && !i.done);
}
