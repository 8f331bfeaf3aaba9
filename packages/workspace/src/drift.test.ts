import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine, type LockedPackage } from "@envforge/core/plugin-kit";
import { fakeBuilder } from "../fixtures/fake-builder.js";
import { listGenerations, lockDrift, rebuildWithDrift } from "./drift.js";

const pkg = (name: string, version: string, ecosystem = "pip"): LockedPackage => ({ ecosystem, name, version });

describe("lockDrift", () => {
  it("lists what moved, came and went; names compare per ecosystem", () => {
    const drift = lockDrift(
      { packages: [pkg("Requests", "2.31.0"), pkg("idna", "3.6"), pkg("six", "1.16.0"), pkg("numpy", "1.26.3", "conda")] },
      { packages: [pkg("requests", "2.32.3"), pkg("idna", "3.6"), pkg("urllib3", "2.2.2"), pkg("NumPy", "1.26.4", "conda")] },
    );
    expect(drift).toEqual({
      equal: false,
      moved: [
        { ecosystem: "conda", name: "NumPy", from: "1.26.3", to: "1.26.4" },
        { ecosystem: "pip", name: "requests", from: "2.31.0", to: "2.32.3" },
      ],
      added: [pkg("urllib3", "2.2.2")],
      removed: [pkg("six", "1.16.0")],
      unchanged: 1,
      noPreviousLock: false,
    });
    expect(lockDrift({ packages: [pkg("a", "1")] }, { packages: [pkg("a", "1")] }).equal).toBe(true);
    expect(lockDrift(undefined, { packages: [pkg("a", "1")] })).toMatchObject({ noPreviousLock: true, added: [pkg("a", "1")] });
  });
});

describe("rebuildWithDrift", () => {
  it("builds a new generation, shows what re-resolved, and keeps the old generation reachable", async () => {
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), "ef-drift-"));
    let versions = { greet: "1.0", helper: "2.0" };
    const engine = createEngine({
      cacheDir,
      plugins: [fakeBuilder({ lock: () => Object.entries(versions).map(([n, v]) => pkg(n, v)) })],
    });
    const source = { object: { python: { version: "3.11" } } };
    const first = await engine.build(source, { target: "fake" });
    versions = { greet: "1.1", helper: "2.0" }; // "upstream" released greet 1.1

    const { result, previous, drift } = await rebuildWithDrift(engine, source, { target: "fake" });
    expect(result.entry.generation).toBe(2);
    expect(previous?.generation).toBe(1);
    expect(drift.moved).toEqual([{ ecosystem: "pip", name: "greet", from: "1.0", to: "1.1" }]);
    expect(drift.unchanged).toBe(1);

    const generations = await listGenerations(engine, first.hash, "fake");
    expect(generations.map((g) => [g.generation, g.lock?.packages[0]?.version])).toEqual([
      [1, "1.0"],
      [2, "1.1"],
    ]);
    // The old generation's artifact is still there (until gc): a rebuild never overwrites in place.
    expect(generations[0]!.artifact.path).not.toBe(generations[1]!.artifact.path);
    expect((await engine.build(source, { target: "fake" })).entry.generation).toBe(2);
  });
});
