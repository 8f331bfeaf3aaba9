/**
 * Child process of the process suite: time from the first line of this script (Node has started
 * and loaded it) to the first cache hit, so the figure is the library's own start-up cost.
 * Imports are dynamic on purpose: static imports would run before the clock starts.
 *
 *   node dist/first-hit.js <envforge|envforge-engine|cacache|raw> <cacheDir> <specFileOrKey> <target> [pipelineId]
 *
 * `envforge`: what a host does for a fresh process — `@envforge/core/quick` first (the source
 * memo), the engine only if that does not answer. `envforge-engine`: the engine alone, as a
 * host that never set `pipelineId` (or a first run after the definition changed) pays.
 */
const started = performance.now();
const [mode, cacheDir, what, target, pipelineId] = process.argv.slice(2) as [string, string, string, string, string | undefined];

async function viaEngine(): Promise<boolean> {
  const { createEngine } = await import("@envforge/core");
  const { bundledPlugins } = await import("@envforge/cli");
  const engine = createEngine({ plugins: bundledPlugins(), cacheDir });
  const { result } = await engine.resolve(what);
  return (await engine.lookup(result.hash, target)) !== undefined;
}

async function firstHit(): Promise<{ hit: boolean; quick?: boolean }> {
  if (mode === "envforge") {
    const { quickHit } = await import("@envforge/core/quick");
    if (quickHit({ file: what, target, cacheDir, pipelineId: pipelineId! })) return { hit: true, quick: true };
    return { hit: await viaEngine(), quick: false };
  }
  if (mode === "envforge-engine") return { hit: await viaEngine() };
  if (mode === "cacache") {
    const { default: cacache } = await import("cacache");
    return { hit: (await cacache.get(cacheDir, what)).data.length > 0 };
  }
  // The limit: read and parse a file whose path is already known; nothing to load, hash or check.
  const { readFileSync } = await import("node:fs");
  return { hit: JSON.parse(readFileSync(what, "utf8")) !== undefined };
}

const { hit, quick } = await firstHit();
const ownMs = performance.now() - started;
process.stdout.write(JSON.stringify({ ownMs, hit, quick, sinceNodeStartMs: performance.now() }));
