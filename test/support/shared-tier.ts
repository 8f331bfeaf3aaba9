import { cp, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { STAGE_NETWORK, hashHex, type CacheEntry, type EnginePlugin } from "@envforge/core/plugin-kit";

/**
 * A cache tier in a folder every "machine" (engine, process) of a test shares: what a registry
 * is for images, for folder artifacts. `store` copies the artifact, then writes the entry last
 * (renamed into place); a hit restores the artifact into the asking engine's own cache.
 */
export function sharedTierPlugin(dir: string): EnginePlugin {
  const where = (target: string, hash: string) => path.join(dir, target, hashHex(hash as CacheEntry["hash"]));
  return {
    name: "shared-tier",
    apply(engine) {
      engine.hooks.store.tapPromise("shared-tier", async (entry) => {
        if (!entry.artifact.path) return;
        const base = where(entry.target, entry.hash);
        const staging = `${base}.${process.pid}.${Date.now()}`;
        await cp(entry.artifact.path, path.join(staging, "artifact"), { recursive: true });
        await writeFile(path.join(staging, "entry.json"), JSON.stringify(entry));
        await mkdir(path.dirname(base), { recursive: true });
        // First writer wins: a second build of the same key (after a lost lease) is not published.
        await rename(staging, base).catch(() => undefined);
      });
      engine.hooks.lookup.tapPromise({ name: "shared-tier", stage: STAGE_NETWORK }, async (key) => {
        const base = where(key.target, key.hash);
        const text = await readFile(path.join(base, "entry.json"), "utf8").catch(() => undefined);
        if (text === undefined) return undefined;
        const found = JSON.parse(text) as CacheEntry;
        const local = engine.cache.local.artifactDir(key, found.generation);
        await cp(path.join(base, "artifact"), local, { recursive: true });
        const entry: CacheEntry = { ...found, artifact: { ...found.artifact, path: local }, seal: undefined, contentDigest: undefined, logPath: undefined };
        return { entry, store: "shared-tier" };
      });
    },
  };
}
