import type { LocalStore } from "../cache/local-store.js";
import type { MemoryStore } from "../cache/memory-store.js";
import { STAGE_LOCAL, type CacheEntry } from "../cache/types.js";
import type { EngineHooks } from "../hooks.js";
import type { EngineEvent } from "./events.js";
import type { EnginePlugin } from "./types.js";

export const LOCAL_TAP = "envforge:local";

export interface LocalStorePluginOptions {
  /** After a failed backfill: true (warned once) when the cache is read-only, so the hit still counts. */
  readOnlyCache(): boolean;
}

/**
 * The local store on disk, a built-in plugin `createEngine` applies before the host's: `lookup`
 * at stage 10 (an entry whose artifact is gone is a miss; a corrupt one is warned about and, unless
 * the engine is read-only, moved aside), `backfill` of hits from slower tiers, and `store` of
 * every build (the entry file written last).
 */
export function localStorePlugin(local: LocalStore, options: LocalStorePluginOptions): EnginePlugin {
  return {
    name: LOCAL_TAP,
    apply(engine) {
      const parts: ArtifactCheck = { hooks: engine.hooks, memory: engine.cache.memory, emit: engine.emit };
      engine.hooks.lookup.tapPromise({ name: LOCAL_TAP, stage: STAGE_LOCAL }, async (key) => {
        const { entry: found, miss } = await local.get(key);
        const entry = found && (await verified(parts, found));
        if (entry) return { entry, store: "local" };
        if (miss?.corrupt) {
          engine.emit({ type: "warning", code: "E_CACHE_CORRUPT", message: `${miss.corrupt}; treating it as a miss`, hint: "it is moved aside and rebuilt" });
          if (!engine.options.readOnly) await local.quarantine(key);
        }
        return undefined;
      });
      engine.hooks.backfill.tapPromise(LOCAL_TAP, async (entry, from) => {
        if (from === "local" || from === "memory") return;
        // A read-only cache still answers a hit from another tier: only the copy into it is skipped.
        await local.put(entry).catch((cause: unknown) => {
          if (!options.readOnlyCache()) throw cause;
        });
      });
      engine.hooks.store.tapPromise({ name: LOCAL_TAP, stage: STAGE_LOCAL }, (entry) => local.put(entry));
    },
  };
}

/**
 * An entry of the local store whose artifact still exists. Folders are checked by the store; an
 * artifact that lives elsewhere (an image in an engine someone ran `rmi` on) is checked by the
 * target's `verify` taps, and a gone artifact is a miss (dropped from the memory tier), rebuilt as
 * a new generation.
 */
export async function verified(engine: ArtifactCheck, entry: CacheEntry): Promise<CacheEntry | undefined> {
  const hook = engine.hooks.verify.get(entry.target);
  if (!hook?.isUsed()) return entry;
  const gone = await hook.promise(entry);
  if (gone === undefined) return entry;
  engine.memory.delete(entry);
  engine.emit({ type: "warning", code: "W_ARTIFACT_GONE", message: `${gone}; rebuilding ${entry.hash} for ${entry.target}`, hint: "the cache entry stays as an older generation until collected" });
  return undefined;
}

/** What `verified` reads: the `verify` taps, the memory tier a gone entry leaves, and where it warns. */
export interface ArtifactCheck {
  readonly hooks: EngineHooks;
  readonly memory: MemoryStore;
  emit(event: EngineEvent): void;
}
