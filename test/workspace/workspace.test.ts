import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine, type EngineEvent } from "@envforge/core/plugin-kit";
import { pipPlugin } from "@envforge/plugin-pip";
import { hasPythonVenv, makeWheel } from "./wheels.js";
import { listGenerations, FileRegistry, Workspace } from "@envforge/workspace";

const hasVenv = hasPythonVenv();
const ci = process.env.CI === "true";
if (!hasVenv && !ci) console.warn("skipping the workspace scenario: python3 with venv/ensurepip is not installed");

/**
 * The acceptance path, end to end with the real pip plugin and real virtualenvs: register
 * three versions, rename, build by name and label, diff, force a rebuild and see the drift, pin
 * from the lock, collect garbage under a budget.
 */
describe.skipIf(!hasVenv && !ci)("workspace scenario (real venv builds)", () => {
  it("registers, renames, builds by name and label, diffs, rebuilds with drift, pins and collects", { timeout: 240_000 }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "ef-ws-"));
    const wheels = path.join(dir, "wheels");
    makeWheel(wheels, "greet", "1.0", ["helper>=1"]);
    makeWheel(wheels, "helper", "1.0");
    makeWheel(wheels, "extra-tool", "0.5");
    const engine = createEngine({ cacheDir: path.join(dir, "cache"), plugins: [pipPlugin()] });
    const events: EngineEvent[] = [];
    engine.hooks.event.tap("test", (e) => events.push(e));
    const ws = new Workspace({ engine });
    const request = { target: "venv", builderOptions: { pip: { findLinks: [wheels], noIndex: true } } };
    const file = path.join(dir, "env.yaml");

    // Three versions: the first by building it (auto-registration), the others by register.
    await writeFile(file, "name: train\npython:\n  pip: [greet]  # unpinned on purpose\n");
    const first = await ws.build(file, request);
    expect(first.result.cached).toBe(false);
    expect(first.record).toMatchObject({ name: "train", version: "1" });
    expect(first.result.entry.lock?.packages).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "greet", version: "1.0" }), expect.objectContaining({ name: "helper", version: "1.0" })]),
    );
    await writeFile(file, "name: train\npython:\n  pip: [greet, extra-tool==0.5]\n");
    expect((await ws.register(file)).record.version).toBe("2");
    await writeFile(file, "name: train\ndescription: documented\npython:\n  pip: [greet, extra-tool==0.5]\n");
    expect((await ws.register(file, { labels: ["candidate"] })).record.version).toBe("3");
    await ws.registry.setLabel("train", "prod", "1");

    // Rename: the versions move, the hashes (and so the cached builds) stay.
    await ws.registry.rename("train", "trainer");
    expect((await ws.registry.list()).map((s) => [s.name, s.latest, s.labels])).toEqual([
      ["trainer", "3", { candidate: "3", prod: "1", latest: "3" }],
    ]);
    const byLabel = await ws.build("trainer:prod", request);
    expect(byLabel.result).toMatchObject({ cached: true, hash: first.result.hash });
    const byName = await ws.build("trainer", request);
    expect(byName.result.cached).toBe(false);
    expect(byName.record?.version).toBe("3");
    expect((await ws.build("trainer@2", request)).result).toMatchObject({ cached: true, hash: byName.result.hash }); // 2 and 3 differ only in description

    const diff = await ws.diff("trainer@1", "trainer@2");
    expect(diff.equal).toBe(false);
    expect(diff.differences).toEqual([{ path: "sections.pip", added: ["extra-tool==0.5"], removed: [] }]);
    expect((await ws.diff("trainer@2", "trainer@3")).equal).toBe(true);

    // Upstream releases greet 1.1: a forced rebuild re-resolves it, and says so.
    makeWheel(wheels, "greet", "1.1", ["helper>=1"]);
    const rebuilt = await ws.build("trainer@1", { ...request, rebuild: true });
    expect(rebuilt.result.entry.generation).toBe(2);
    expect(rebuilt.previousGeneration).toBe(1);
    expect(rebuilt.drift?.moved).toEqual([{ ecosystem: "pip", name: "greet", from: "1.0", to: "1.1" }]);
    const generations = await listGenerations(engine, first.result.hash, "venv");
    expect(generations.map((g) => g.generation)).toEqual([1, 2]);
    expect(existsSync(generations[0]!.artifact.path!)).toBe(true); // the old generation is still there

    // Pin version 1 from its (new) lock: a new, fully pinned definition.
    const saved = await ws.save("trainer@1", path.join(dir, "v1"));
    const pinned = await ws.pinFile(saved.file, { target: "venv" });
    expect(pinned.changes.map((c) => c.to)).toEqual(["greet==1.1"]);
    expect(pinned.after).not.toBe(pinned.before);
    expect(await readFile(saved.file, "utf8")).toMatch(/pip: \[ greet==1\.1 \] # unpinned on purpose/);
    const report = await ws.check(saved.file);
    expect(report.findings.map((f) => f.kind)).toEqual(["no-lock"]); // pinned, not built yet
    // Unpinned greet, and its nested helper that nothing pins (the build's resolved set names it).
    expect(await ws.check("trainer@1", { threshold: 95 })).toMatchObject({ score: 80, passed: false, packages: { total: 2, pinned: 0, nested: 1 } });

    // Garbage collection under a budget of nothing: only what registered versions reach stays.
    await ws.registry.archive("trainer@1");
    const collected = await ws.gc({ maxBytes: 0 });
    expect(collected.removed.map((r) => [r.kind, r.generation])).toEqual(
      expect.arrayContaining([
        ["generation", 1],
        ["entry", 2],
      ]),
    );
    expect(collected.removed.every((r) => r.hash === first.result.hash)).toBe(true);
    expect(collected.overBudgetBytes).toBeGreaterThan(0); // trainer@2/3's build is a root
    expect((await ws.build("trainer", request)).result.cached).toBe(true);
    expect(events.some((e) => e.type === "warning" && e.code === "W_UNPINNED")).toBe(true);
  });

  it("warns (as an engine event) when a damaged registry was recovered", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "ef-ws-"));
    const engine = createEngine({ cacheDir: dir, plugins: [pipPlugin()] });
    const events: EngineEvent[] = [];
    engine.hooks.event.tap("test", (e) => events.push(e));
    const ws = new Workspace({ engine });
    await writeFile(path.join(dir, "env.yaml"), "name: a\npython:\n  pip: [x==1]\n");
    await ws.register(path.join(dir, "env.yaml"));
    const registry = ws.registry as FileRegistry;
    await writeFile(registry.snapshotPath, "{");
    expect((await ws.registry.get("a")).version).toBe("1");
    expect(events.filter((e) => e.type === "warning")).toEqual([expect.objectContaining({ code: "E_REGISTRY_CORRUPT" })]);
  });
});
