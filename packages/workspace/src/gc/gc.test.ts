import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { createEngine, hashHex, type Engine, type Hash } from "@envforge/core/plugin-kit";
import { fakeBuilder } from "../../fixtures/fake-builder.js";
import { MemoryRegistry } from "../registry/state-registry.js";
import { gc } from "./gc.js";

const run = promisify(execFile);
const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DAY = 86_400_000;

async function setup(bytes = 1000): Promise<{ cacheDir: string; engine: Engine; build: (v: string, rebuild?: boolean) => Promise<Hash> }> {
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), "ef-gc-"));
  const engine = createEngine({ cacheDir, plugins: [fakeBuilder({ bytes })] });
  const build = async (version: string, rebuild = false) =>
    (await engine.build({ object: { python: { version } } }, { target: "fake", rebuild })).hash;
  return { cacheDir, engine, build };
}

const register = async (registry: MemoryRegistry, name: string, hash: Hash) =>
  registry.register({ name, hash, definition: { document: { python: { version: name } }, files: {} } });

function artifactOf(cacheDir: string, hash: Hash, generation: number): string {
  return path.join(cacheDir, "v1", "artifacts", "fake", `${hashHex(hash)}.${generation}`);
}

describe("gc", () => {
  it("removes quick-path records (source memos, receipts) whose hash lost its last entry, keeps the others", async () => {
    const { cacheDir } = await setup();
    const dir = await mkdtemp(path.join(os.tmpdir(), "ef-gc-src-"));
    const files = ["kept.json", "gone.json"].map((name) => path.join(dir, name));
    await writeFile(files[0]!, JSON.stringify({ python: { version: "3.10" } }));
    await writeFile(files[1]!, JSON.stringify({ python: { version: "3.11" } }));
    const memoEngine = createEngine({ cacheDir, plugins: [fakeBuilder({ bytes: 10 })], pipelineId: "gc-test" });
    const kept = (await memoEngine.build({ path: files[0]! }, { target: "fake" })).hash;
    await memoEngine.build({ path: files[1]! }, { target: "fake" });
    const memos = async () => (await readdir(path.join(cacheDir, "v1", "sources"), { recursive: true })).filter((f) => f.endsWith(".json"));
    expect(await memos()).toHaveLength(2);
    const registry = new MemoryRegistry();
    await register(registry, "kept", kept);

    expect((await gc(cacheDir, { registry, dryRun: true })).sourceMemos).toBe(1);
    expect(await memos()).toHaveLength(2);
    const report = await gc(cacheDir, { registry });
    expect(report.sourceMemos).toBe(1);
    expect(await memos()).toHaveLength(1);
  });

  it("keeps what registered environments reach and collects the rest, shared hashes while any needs them", async () => {
    const { cacheDir, build } = await setup();
    const a = await build("3.10");
    const b = await build("3.11");
    const c = await build("3.12");
    await build("3.10", true); // generation 2 of a; generation 1 is replaced
    const registry = new MemoryRegistry();
    await register(registry, "a", a);
    await register(registry, "b", b);
    await register(registry, "b-copy", b); // another name, same definition: same hash, same entry

    // The previous generation of a kept entry stays for rollback unless pruneGenerations.
    const keeping = await gc(cacheDir, { registry });
    expect(keeping.removed.map((r) => [r.kind, r.reason, r.hash, r.generation])).toEqual([["entry", "unreachable", c, 1]]);
    expect(keeping.keptGenerations.map((r) => [r.hash, r.generation])).toEqual([[a, 1]]);
    expect(existsSync(artifactOf(cacheDir, a, 1))).toBe(true);
    const report = await gc(cacheDir, { registry, pruneGenerations: true });
    expect(report.removed.map((r) => [r.kind, r.reason, r.hash, r.generation])).toEqual([["generation", "replaced", a, 1]]);
    expect(keeping.freedBytes + report.freedBytes).toBeGreaterThan(2000);
    expect(report.bytesAfter).toBe(report.bytesBefore - report.freedBytes);
    expect(existsSync(artifactOf(cacheDir, c, 1))).toBe(false);
    expect(existsSync(artifactOf(cacheDir, a, 1))).toBe(false);
    expect(existsSync(artifactOf(cacheDir, a, 2))).toBe(true);

    await registry.archive("b");
    expect((await gc(cacheDir, { registry })).removed).toEqual([]); // b-copy still needs it
    await registry.archive("b-copy");
    const last = await gc(cacheDir, { registry });
    expect(last.removed.map((r) => r.hash)).toEqual([b]);
    expect(existsSync(artifactOf(cacheDir, b, 1))).toBe(false);
    expect(existsSync(artifactOf(cacheDir, a, 2))).toBe(true);
  });

  it("with maxAgeDays, collects only what is old; without a registry age alone decides", async () => {
    const { cacheDir, build } = await setup();
    const a = await build("3.10");
    const b = await build("3.11");
    const registry = new MemoryRegistry();
    await register(registry, "a", a);
    expect((await gc(cacheDir, { registry, maxAgeDays: 1 })).removed).toEqual([]);
    expect((await gc(cacheDir, { maxAgeDays: 1, dryRun: true, now: new Date(Date.now() + 2 * DAY) })).removed.map((r) => [r.hash, r.reason])).toEqual([
      [a, "age"],
      [b, "age"],
    ]);
    const later = await gc(cacheDir, { registry, maxAgeDays: 1, now: new Date(Date.now() + 2 * DAY) });
    expect(later.removed.map((r) => [r.hash, r.reason])).toEqual([[b, "unreachable"]]);
  });

  it("dry runs report without deleting", async () => {
    const { cacheDir, build } = await setup();
    const a = await build("3.10");
    const report = await gc(cacheDir, { registry: new MemoryRegistry(), dryRun: true });
    expect(report.removed.map((r) => r.hash)).toEqual([a]);
    expect(existsSync(artifactOf(cacheDir, a, 1))).toBe(true);
  });

  it("gets under a size budget oldest first, replaced generations before current builds, never a root", async () => {
    const { cacheDir, build } = await setup(10_000);
    const old = await build("3.9");
    const mid = await build("3.10");
    const root = await build("3.11");
    await build("3.11", true);
    const young = await build("3.12");
    // Only roots are left once the replaced generation goes: the budget cannot be met, and says so.
    const report = await gc(cacheDir, { roots: [root, old, mid, young], maxBytes: 35_000, dryRun: true, pruneGenerations: true });
    expect(report.removed.map((r) => [r.reason, r.hash, r.generation])).toEqual([["replaced", root, 1]]);
    expect(report.overBudgetBytes).toBeGreaterThan(5000);

    // Kept for rollback, a previous generation is outside the budget: only pruneGenerations collects it.
    expect((await gc(cacheDir, { roots: [root, old, mid, young], maxBytes: 35_000, dryRun: true })).removed).toEqual([]);
    const budget = await gc(cacheDir, { maxBytes: 25_000, pruneGenerations: true });
    expect(budget.removed.map((r) => [r.reason, r.hash, r.generation])).toEqual([
      ["budget", root, 1],
      ["budget", old, 1],
      ["budget", mid, 1],
    ]);
    expect(budget.bytesAfter).toBeLessThanOrEqual(25_000);
    expect(budget.overBudgetBytes).toBeUndefined();
  });

  it("removes debris of killed builds and stale scratch, but not fresh scratch", async () => {
    const { cacheDir, build } = await setup();
    const a = await build("3.10");
    const debris = artifactOf(cacheDir, a, 7);
    await mkdir(debris, { recursive: true });
    await writeFile(path.join(debris, "half-built"), "x");
    const scratch = path.join(cacheDir, "v1", "tmp", "build-old");
    const fresh = path.join(cacheDir, "v1", "tmp", "build-new");
    await mkdir(scratch, { recursive: true });
    await mkdir(fresh, { recursive: true });
    const twoDaysAgo = new Date(Date.now() - 2 * DAY);
    await utimes(scratch, twoDaysAgo, twoDaysAgo);
    const report = await gc(cacheDir);
    expect(report.removed.map((r) => [r.kind, r.reason])).toEqual([
      ["debris", "debris"],
      ["tmp", "debris"],
    ]);
    expect(existsSync(debris)).toBe(false);
    expect(existsSync(scratch)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(existsSync(artifactOf(cacheDir, a, 1))).toBe(true);
  });

  it("under a size budget while another process rebuilds: the build's entry and artifacts are left alone", async () => {
    const { cacheDir, build } = await setup(5000);
    const busy = await build("3.9");
    const idle = await build("3.10");
    const started = path.join(cacheDir, "started");
    const gate = path.join(cacheDir, "gate");
    const worker = run(
      process.execPath,
      ["--conditions=source", "--import", "tsx", path.join(packageDir, "fixtures/build-worker.ts"), cacheDir, "3.9", started, gate],
      { cwd: packageDir, timeout: 120_000 },
    );
    const deadline = Date.now() + 60_000;
    while (!existsSync(started) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(started)).toBe(true);

    const during = await gc(cacheDir, { maxBytes: 0 });
    expect(during.removed.map((r) => r.hash)).toEqual([idle]);
    // The rebuilding key: its current entry and the half-built generation 2 are in use.
    expect(during.inUse.map((r) => [r.kind, r.hash, r.generation])).toEqual(
      expect.arrayContaining([
        ["entry", busy, 1],
        ["debris", busy, 2],
      ]),
    );
    expect(existsSync(artifactOf(cacheDir, busy, 1))).toBe(true);
    expect(existsSync(artifactOf(cacheDir, busy, 2))).toBe(true);

    await writeFile(gate, "");
    const done = JSON.parse((await worker).stdout) as { hash: Hash; generation: number };
    expect(done).toEqual({ hash: busy, generation: 2 });
    const after = await gc(cacheDir, { maxBytes: 0 });
    expect(after.removed.map((r) => [r.kind, r.generation])).toEqual(
      expect.arrayContaining([
        ["entry", 2],
        ["generation", 1],
      ]),
    );
    expect(await readdir(path.join(cacheDir, "v1", "artifacts", "fake"))).toEqual([]);
  });
});
