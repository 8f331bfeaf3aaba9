import { STAGE_NETWORK, type EnginePlugin } from "@envforge/core/plugin-kit";
import { tapLayerCache } from "@envforge/image";
import { RegistryCache } from "./cache.js";
import { resolveRegistryOptions, type RegistryCacheOptions } from "./options.js";

export const REGISTRY_CACHE_PLUGIN = "registry-cache";

/**
 * A cache shared across machines in any OCI registry: lookup is a manifest HEAD for the tag
 * `<hash hex>` (after the memory, local and engine tiers missed), a hit is pulled into the local
 * engine and recorded in the local cache, and a fresh build is pushed (and tagged as the latest
 * on its base: another machine's miss on that base pulls it as a layer cache), and `cache gc --registry`
 * removes the tag of an entry it removes. Options are checked here,
 * so a typo fails at startup instead of looking like a miss on every build.
 */
export function registryCachePlugin(options: RegistryCacheOptions): EnginePlugin {
  const resolved = resolveRegistryOptions(options);
  return {
    name: REGISTRY_CACHE_PLUGIN,
    apply(engine) {
      const cache = new RegistryCache(engine, resolved);
      engine.hooks.lookup.tapPromise({ name: REGISTRY_CACHE_PLUGIN, stage: STAGE_NETWORK }, (key, canonical) => cache.lookup(key, canonical));
      engine.hooks.store.tapPromise({ name: REGISTRY_CACHE_PLUGIN, stage: STAGE_NETWORK }, (entry, ctx) => cache.store(entry, ctx));
      tapLayerCache(engine, REGISTRY_CACHE_PLUGIN, (request) => cache.layerCache(request));
      // `cache gc --registry`: the tag of a removed entry goes too (cache.ts `discard`).
      for (const target of resolved.targets) engine.hooks.discard.for(target).tapPromise(REGISTRY_CACHE_PLUGIN, (entry, ctx) => cache.discard(entry, ctx));
    },
  };
}
