import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine, type CacheEntry } from "@envforge/core/plugin-kit";
import { pipPlugin } from "@envforge/plugin-pip";
import { tempDir } from "../support/engine.js";
import { makeWheel } from "../support/wheels.js";
import { runCli } from "./support.js";

/**
 * Issue 16's scenario through the CLI, with a real pip build: `tinyb==2.0.0` pinned, its nested
 * `tinya` not; `check` counts tinya and scores the venv target; a newer spark entry of the same
 * hash (which records nothing of the pip list) no longer turns it into "records no lock".
 */
describe("check and pin per target", () => {
  it("counts the nested package, reads the default target's build, and pin says when a target has none", { timeout: 180_000 }, async () => {
    const dir = await tempDir("envforge-check-target-");
    const wheels = path.join(dir, "wheels");
    await makeWheel(wheels, { name: "tinya", version: "1.0.0" });
    await makeWheel(wheels, { name: "tinyb", version: "2.0.0", requires: ["tinya>=1.0"] });
    writeFileSync(path.join(dir, "env.yaml"), "python:\n  pip: [tinyb==2.0.0]\n");
    const cacheDir = path.join(dir, "cache");
    const cli = (...args: string[]) => runCli([...args, "--cache-dir", cacheDir], { cwd: dir });

    const built = await cli("build", "env.yaml", "--target", "venv", "--find-links", "wheels", "--no-index");
    expect(built.code, built.stderr).toBe(0);

    const first = await cli("check", "env.yaml");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("score 90/100 (1/2 packages pinned, 1 nested; target venv, from the venv build (generation 1))");
    expect(first.stdout).toContain('pip package "tinya" (1.0.0 in the venv build) came in as a dependency');

    // A spark entry of the same hash, newer and without a lock, as a spark build would leave it.
    const engine = createEngine({ cacheDir, plugins: [pipPlugin()] });
    const { hash } = await engine.hash(path.join(dir, "env.yaml"));
    const at = new Date(Date.now() + 60_000).toISOString();
    await engine.cache.local.put({ schema: 1, hash, target: "spark", generation: 1, builder: "spark", artifact: { kind: "spark" }, timings: { startedAt: at, finishedAt: at, durationMs: 1 }, canonicalText: "" } as CacheEntry);

    const again = await cli("check", "env.yaml", "--json");
    const report = JSON.parse(again.stdout) as { score: number; target: string; findings: { kind: string; message: string }[] };
    expect(report).toMatchObject({ score: 90, target: "venv" });
    expect(report.findings.map((f) => f.message).join("\n")).not.toContain("records no lock");
    const spark = await cli("check", "env.yaml", "--target", "spark");
    expect(spark.stdout).toContain("the spark build found records no lock");

    const none = await cli("pin", "env.yaml", "--target", "spark");
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain("E_NOT_FOUND");
    expect(none.stderr).toContain("no spark build of");
    expect(none.stderr).toContain("--target spark");
    expect(readFileSync(path.join(dir, "env.yaml"), "utf8")).toBe("python:\n  pip: [tinyb==2.0.0]\n");
    const pinned = await cli("pin", "env.yaml", "--json");
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(JSON.parse(pinned.stdout)).toMatchObject({ changes: [], missing: [] });
  });
});
