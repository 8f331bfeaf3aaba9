import { existsSync, readdirSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createEngine, isEnvforgeError, MEMORY_RECHECK_MS, type CacheEntry, type Engine, type EnginePlugin } from "@envforge/core/plugin-kit";
import { gc, removeEntry } from "@envforge/workspace";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/engine.js";
import { PROBE_TARGET, probePlugin, probeSpec, readCounter } from "../support/reliability-plugin.js";
import { runCli, runQuick } from "../cli/support.js";

/**
 * Rollback (issue 16, part 5): a rebuild keeps the replaced generation; `build --generation N`
 * serves it, `promote` makes it current again, gc keeps the previous generation and deletes only
 * with --yes, `cache rm` removes one entry. The probe builder stands in for any target: what is
 * tested is the local store's generations, not what a target builds.
 */
async function setup() {
  const dir = await tempDir("envforge-rollback-");
  const cacheDir = path.join(dir, "cache");
  const counterFile = path.join(dir, "builds.log");
  const engine = (): Engine => createEngine({ cacheDir, plugins: [probePlugin()] });
  const builderOptions = { probe: { counterFile } };
  const builds = async () => (await readCounter(counterFile)).length;
  return { dir, cacheDir, engine, builderOptions, builds };
}

async function notFound(run: Promise<unknown>): Promise<{ message: string; hint?: string | undefined }> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isEnvforgeError(error)) throw new Error(`expected an EnvforgeError, got ${String(error)}`);
  expect(error.code).toBe("E_NOT_FOUND");
  return error;
}

describe("rollback: generations served, promoted and collected", () => {
  it("serves an older generation without building, promotes it (a build then hits it), and refuses a missing one naming what exists", async () => {
    const { engine: make, builderOptions, builds } = await setup();
    const engine = make();
    const spec = probeSpec("roll");
    const request = { target: PROBE_TARGET, builderOptions };
    const first = await engine.build(spec, request);
    const second = await engine.build(spec, { ...request, rebuild: true });
    expect([first.entry.generation, second.entry.generation]).toEqual([1, 2]);
    expect(await builds()).toBe(2);

    const old = await engine.build(spec, { ...request, generation: 1 });
    expect(old.cached).toBe(true);
    expect(old.entry.generation).toBe(1);
    expect(old.entry.artifact.path).toBe(first.entry.artifact.path);
    expect(await builds(), "serving a generation never builds").toBe(2);

    const missing = await notFound(engine.build(spec, { ...request, generation: 7 }));
    expect(missing.message).toContain("generation 7");
    expect(missing.hint).toContain("1, 2 (current)");

    expect((await engine.generations(first.hash, PROBE_TARGET)).map((g) => [g.generation, g.current, g.present])).toEqual([
      [1, false, true],
      [2, true, true],
    ]);
    const promoted = await engine.promote(first.hash, PROBE_TARGET, 1);
    expect(promoted.generation).toBe(1);
    // Same engine: the memory tier serves the promoted entry at once.
    expect((await engine.build(spec, request)).entry.generation).toBe(1);
    // A fresh process (a new engine) reads it from disk; nothing was lost.
    const fresh = make();
    const hit = await fresh.build(spec, request);
    expect([hit.cached, hit.entry.generation]).toEqual([true, 1]);
    expect((await fresh.generations(first.hash, PROBE_TARGET)).map((g) => [g.generation, g.current])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(await builds()).toBe(2);
    // A rebuild after a promote makes a new generation past every one seen.
    expect((await fresh.build(spec, { ...request, rebuild: true })).entry.generation).toBe(3);

    // A generation whose artifact is gone is refused, not rebuilt.
    await rm(second.entry.artifact.path!, { recursive: true });
    const gone = await notFound(fresh.build(spec, { ...request, generation: 2 }));
    expect(gone.message).toContain("cannot be served");
    expect(gone.hint).toContain("2 (gone)");
    await notFound(fresh.promote(first.hash, PROBE_TARGET, 2));
    expect((await fresh.build(spec, request)).entry.generation, "the failed promote changed nothing").toBe(3);
  });

  it("another process's promote: this engine's memory tier stops serving the old current entry within its re-check interval", async () => {
    const { engine: make, builderOptions } = await setup();
    const serving = make();
    const spec = probeSpec("memory");
    const request = { target: PROBE_TARGET, builderOptions };
    await serving.build(spec, request);
    const current = await serving.build(spec, { ...request, rebuild: true });
    expect((await serving.lookup(current.hash, PROBE_TARGET))?.store).toBe("memory");

    await make().promote(current.hash, PROBE_TARGET, 1);
    await sleep(MEMORY_RECHECK_MS + 100);
    const after = await serving.build(spec, request);
    expect(after.entry.generation).toBe(1);
  });

  it("gc keeps the previous generation of a kept entry, collects it with pruneGenerations, and a dry run deletes nothing", async () => {
    const { cacheDir, engine: make, builderOptions } = await setup();
    const engine = make();
    const spec = probeSpec("gc");
    const request = { target: PROBE_TARGET, builderOptions };
    const g1 = await engine.build(spec, request);
    const g2 = await engine.build(spec, { ...request, rebuild: true });
    const g3 = await engine.build(spec, { ...request, rebuild: true });
    const paths = [g1, g2, g3].map((b) => b.entry.artifact.path!);

    const plan = await gc(cacheDir, { roots: [g1.hash], dryRun: true });
    expect(plan.removed.map((r) => r.generation)).toEqual([1]);
    expect(plan.keptGenerations.map((r) => r.generation)).toEqual([2]);
    expect(paths.map((p) => existsSync(p)), "a dry run deletes nothing").toEqual([true, true, true]);

    const kept = await gc(cacheDir, { roots: [g1.hash] });
    expect(kept.removed.map((r) => r.generation)).toEqual([1]);
    expect(paths.map((p) => existsSync(p))).toEqual([false, true, true]);
    expect((await engine.build(spec, { ...request, generation: 2 })).entry.generation).toBe(2);

    const pruned = await gc(cacheDir, { roots: [g1.hash], pruneGenerations: true });
    expect(pruned.removed.map((r) => r.generation)).toEqual([2]);
    expect(paths.map((p) => existsSync(p))).toEqual([false, false, true]);
    expect((await engine.build(spec, request)).entry.generation).toBe(3);
  });

  it("cache rm removes the current entry (its generations with allGenerations); a dry run and a second rm say what is left", async () => {
    const { cacheDir, engine: make, builderOptions, builds } = await setup();
    const engine = make();
    const spec = probeSpec("rm");
    const request = { target: PROBE_TARGET, builderOptions };
    const g1 = await engine.build(spec, request);
    const g2 = await engine.build(spec, { ...request, rebuild: true });
    const key = { hash: g1.hash, target: PROBE_TARGET };

    expect((await removeEntry(cacheDir, key, { dryRun: true })).removed.map((r) => r.generation)).toEqual([2]);
    expect(existsSync(g2.entry.artifact.path!)).toBe(true);
    const removed = await removeEntry(cacheDir, key);
    expect(removed.removed.map((r) => [r.kind, r.generation])).toEqual([["entry", 2]]);
    expect(existsSync(g2.entry.artifact.path!)).toBe(false);
    expect(existsSync(g1.entry.artifact.path!), "older generations stay unless asked").toBe(true);
    const none = await notFound(removeEntry(cacheDir, key));
    expect(none.message).toContain("only replaced generations: 1");

    const all = await removeEntry(cacheDir, key, { allGenerations: true });
    expect(all.removed.map((r) => r.generation)).toEqual([1]);
    expect(existsSync(g1.entry.artifact.path!)).toBe(false);
    // The next build builds again (a new generation), in a fresh engine whose memory holds nothing.
    const rebuilt = await make().build(spec, request);
    expect([rebuilt.cached, await builds()]).toEqual([false, 3]);
  });
});

/** An image-like target: every build records the same image ID, as a rebuild the layer cache answers does. */
function sameImagePlugin(discarded: string[]): EnginePlugin {
  return {
    name: "same-image",
    apply(engine) {
      engine.hooks.build.for("img").tap("same-image", () => ({ artifact: { kind: "fake-image", reference: "fake/cache:x", digest: "sha256:same" } }));
      engine.hooks.discard.for("img").tap("same-image", (entry) => void discarded.push(`${entry.generation} ${entry.artifact.digest}`));
    },
  };
}

describe("rollback: images shared by generations", () => {
  it("gc never discards an image a kept generation shares; the hook runs when the last entry using it goes", async () => {
    const { cacheDir } = await setup();
    const discarded: string[] = [];
    const engine = createEngine({ cacheDir, plugins: [sameImagePlugin(discarded)] });
    const spec = { object: { name: "img" } };
    const g1 = await engine.build(spec, { target: "img" });
    await engine.build(spec, { target: "img", rebuild: true });
    const discard = { covers: (t: string) => t === "img", remove: (e: CacheEntry) => engine.hooks.discard.for(e.target).promise(e, { registry: false }) };
    const pruned = await gc(cacheDir, { roots: [g1.hash], pruneGenerations: true, discard });
    expect(pruned.removed.map((r) => r.generation)).toEqual([1]);
    expect([pruned.discarded, discarded]).toEqual([[], []]);
    const removed = await removeEntry(cacheDir, { hash: g1.hash, target: "img" }, { discard });
    expect(removed.discarded).toEqual(["fake/cache:x"]);
    expect(discarded).toEqual(["2 sha256:same"]);
  });
});

describe("rollback through the CLI", () => {
  it("build --generation, cache generations --promote, gc and rm delete only with --yes", { timeout: 120_000 }, async () => {
    const { dir, cacheDir } = await setup();
    const file = path.join(dir, "env.yaml");
    await writeFile(file, "name: probe-cli\nprobe:\n  id: cli\n");
    const plugins = [probePlugin()];
    const cli = (...args: string[]) => runCli([...args, "--cache-dir", cacheDir], { cwd: dir, plugins });
    const ok = async (...args: string[]) => {
      const run = await cli(...args);
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(0);
      return run;
    };
    const json = async <T>(...args: string[]) => JSON.parse((await ok(...args, "--json")).stdout) as T;
    const target = ["--target", PROBE_TARGET];

    await ok("build", "env.yaml", ...target);
    await ok("build", "env.yaml", ...target, "--rebuild");
    await ok("build", "env.yaml", ...target, "--rebuild");
    const served = await json<{ entry: { generation: number } }>("build", "env.yaml", ...target, "--generation", "1");
    expect(served.entry.generation).toBe(1);
    // The quick path reads only the current entry: --generation is left to the full CLI.
    expect(await runQuick(["build", "env.yaml", ...target, "--generation", "1", "--cache-dir", cacheDir], { cwd: dir })).toBeUndefined();
    const refused = await cli("build", "env.yaml", ...target, "--generation", "9");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("generation 9");

    const listed = await ok("cache", "generations", "env.yaml", ...target);
    expect(listed.stdout).toMatch(/^GEN\s+BUILT\s+CURRENT\s+SIZE\s+STATE/);
    expect(listed.stdout).toMatch(/\n3\s+\S+\s+yes\s+.*present/);
    await ok("cache", "generations", "env.yaml", ...target, "--promote", "2");
    const rows = await json<Array<{ generation: number; current: boolean; present: boolean }>>("cache", "generations", "env.yaml", ...target);
    expect(rows.map((r) => [r.generation, r.current])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
    expect((await json<{ entry: { generation: number } }>("build", "env.yaml", ...target)).entry.generation).toBe(2);

    // gc without --yes (not a terminal): the plan, nothing deleted, exit 0, and how to delete.
    const artifacts = () =>
      readdirSync(path.join(cacheDir, "v1", "artifacts", PROBE_TARGET))
        .map((name) => Number(name.split(".")[1]))
        .sort();
    const plan = await ok("cache", "gc", "--prune-generations");
    expect(plan.stdout).toContain("would remove");
    expect(plan.stdout).toContain("nothing deleted: run it again with --yes to delete");
    const generationsLeft = async () => (await json<Array<{ generation: number }>>("cache", "generations", "env.yaml", ...target)).map((r) => r.generation);
    expect(await generationsLeft()).toEqual([1, 2, 3]);
    expect(artifacts()).toEqual([1, 2, 3]);
    const dry = await ok("cache", "gc", "--yes", "--dry-run");
    expect(dry.stdout).not.toContain("nothing deleted"); // a dry run says what it would do, and that is all
    expect(await generationsLeft()).toEqual([1, 2, 3]);

    // env.yaml is registered (named, built), so its current entry is kept; gc --yes keeps the previous generation (3).
    const done = await ok("cache", "gc", "--yes");
    expect(done.stdout).toContain("removed");
    expect(done.stdout).toContain("kept (previous generation, for rollback)");
    expect(await generationsLeft()).toEqual([2, 3]);
    expect(artifacts()).toEqual([2, 3]);
    await ok("cache", "gc", "--yes", "--prune-generations");
    expect(await generationsLeft()).toEqual([2]);
    expect(artifacts()).toEqual([2]);

    const rmPlan = await ok("cache", "rm", "env.yaml", ...target);
    expect(rmPlan.stdout).toContain("nothing deleted: run it again with --yes");
    expect(await generationsLeft()).toEqual([2]);
    await ok("cache", "rm", "env.yaml", ...target, "--yes");
    expect(await generationsLeft()).toEqual([]);
    const again = await cli("cache", "rm", "env.yaml", ...target, "--yes");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("no cache entry");
  });
});
