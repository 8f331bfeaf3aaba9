import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { CacheEntry, EnginePlugin } from "@envforge/core";
import { STAGE_NETWORK } from "@envforge/core/plugin-kit";

/** What the tier keeps per build: the entry and the artifact's files (a real tier: an object store). */
export type SharedStore = Map<string, { entry: CacheEntry; files: Record<string, string> }>;

const keyOf = (hash: string, target: string) => `${target}/${hash}`;

/**
 * A cache tier shared by engines with different cache folders. A remote tier stores the entry
 * AND the artifact's content (an entry alone points into another machine's cache), and on a hit
 * restores the artifact into this engine's own cache folder and answers with an entry that points
 * there — without the other machine's seal, so this cache seals it on its first hit.
 */
export function sharedTierPlugin(store: SharedStore): EnginePlugin {
  return {
    name: "echo-shared",
    apply(engine) {
      engine.hooks.store.tapPromise("echo-shared", async (entry) => {
        if (!entry.artifact.path) return;
        const text = await readFile(path.join(entry.artifact.path, "echo.txt"), "utf8");
        store.set(keyOf(entry.hash, entry.target), { entry, files: { "echo.txt": text } });
      });
      engine.hooks.lookup.tapPromise({ name: "echo-shared", stage: STAGE_NETWORK }, async (key) => {
        const found = store.get(keyOf(key.hash, key.target));
        if (!found) return undefined;
        const dir = engine.cache.local.artifactDir(key, found.entry.generation);
        await mkdir(dir, { recursive: true });
        for (const [name, text] of Object.entries(found.files)) await writeFile(path.join(dir, name), text);
        const entry: CacheEntry = { ...found.entry, artifact: { ...found.entry.artifact, path: dir }, seal: undefined, contentDigest: undefined, logPath: undefined };
        return { entry, store: "echo-shared" };
      });
    },
  };
}
