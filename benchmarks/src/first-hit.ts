/**
 * Child process of the process suite: time from the first line of this script (Node has started
 * and loaded it) to the first cache hit, so the figure is the library's own start-up cost.
 * Imports are dynamic on purpose: static imports would run before the clock starts.
 *
 *   node dist/first-hit.js <envforge|cacache|raw> <cacheDir> <specFileOrKey> <target>
 */
const started = performance.now();
const [mode, cacheDir, what, target] = process.argv.slice(2) as [string, string, string, string];

async function firstHit(): Promise<boolean> {
  if (mode === "envforge") {
    const { createEngine } = await import("@envforge/core");
    const { bundledPlugins } = await import("@envforge/cli");
    const engine = createEngine({ plugins: bundledPlugins(), cacheDir });
    const { result } = await engine.resolve(what);
    return (await engine.lookup(result.hash, target)) !== undefined;
  }
  if (mode === "cacache") {
    const { default: cacache } = await import("cacache");
    return (await cacache.get(cacheDir, what)).data.length > 0;
  }
  // The limit: read and parse a file whose path is already known; nothing to load, hash or check.
  const { readFileSync } = await import("node:fs");
  return JSON.parse(readFileSync(what, "utf8")) !== undefined;
}

const hit = await firstHit();
const ownMs = performance.now() - started;
process.stdout.write(JSON.stringify({ ownMs, hit, sinceNodeStartMs: performance.now() }));
