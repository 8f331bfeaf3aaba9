import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine, type CacheEntry, type LockedPackage } from "@envforge/core/plugin-kit";
import { condaPlugin } from "@envforge/plugin-conda";
import { pipPlugin } from "@envforge/plugin-pip";
import { sparkPlugin } from "@envforge/plugin-spark";
import { check, defaultTarget, MemoryRegistry, PENALTY, Workspace } from "@envforge/workspace";

/**
 * `check` and `pin` read one target's build (the named one, else the definition's default), count
 * the nested packages of its resolved set, and give full marks to a lock file that covers it all.
 * Build entries are written to the local cache as a build would record them.
 */
const SHA = (c: string) => c.repeat(64);
const LOCK_FILE = [
  "version: 1",
  'python: "3.11"',
  'platform: "linux-x86_64"',
  "pip:",
  '  - name: "tinya"',
  '    version: "1.0.0"',
  '    file: "tinya-1.0.0-py3-none-any.whl"',
  `    sha256: "${SHA("1")}"`,
  '  - name: "tinyb"',
  '    version: "2.0.0"',
  '    file: "tinyb-2.0.0-py3-none-any.whl"',
  `    sha256: "${SHA("2")}"`,
  "",
].join("\n");

async function setup(definition: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ef-check-target-"));
  const file = path.join(dir, "env.yaml");
  await writeFile(file, definition);
  const engine = createEngine({ cacheDir: path.join(dir, "cache"), plugins: [pipPlugin(), condaPlugin(), sparkPlugin()] });
  const { hash } = await engine.hash(file);
  const put = (target: string, finishedAt: string, packages?: LockedPackage[]) =>
    engine.cache.local.put({
      schema: 1,
      hash,
      target,
      generation: 1,
      builder: target,
      artifact: { kind: target },
      ...(packages ? { lock: { packages } } : {}),
      timings: { startedAt: finishedAt, finishedAt, durationMs: 1 },
      canonicalText: "",
    } as CacheEntry);
  return { dir, file, engine, hash, put };
}

const RESOLVED: LockedPackage[] = [
  { ecosystem: "pip", name: "tinyb", version: "2.0.0" },
  { ecosystem: "pip", name: "tinya", version: "1.1.0" },
];

describe("check per target, nested packages counted", () => {
  it("counts a nested package nothing pins (tinyb==2.0.0 needs tinya): not 100/100 any more", async () => {
    const { file, engine, put } = await setup("python:\n  pip: [tinyb==2.0.0]\n");
    await put("venv", "2026-01-01T00:00:00Z", RESOLVED);
    const report = await check(engine, file);
    expect(report.packages).toEqual({ total: 2, pinned: 1, nested: 1 });
    expect(report.findings.map((f) => [f.kind, f.name, f.penalty])).toEqual([["unpinned-nested-package", "tinya", PENALTY.unpinnedPackage]]);
    expect(report.findings[0]!.message).toContain("1.1.0 in the venv build");
    expect(report.findings[0]!.hint).toContain("envforge lock");
    expect(report.score).toBe(90);
    expect(report).toMatchObject({ target: "venv", lockFrom: { target: "venv", generation: 1 } });
  });

  it("a constraint that pins the nested package counts", async () => {
    const { dir, engine } = await setup("python:\n  pip: [rich==13.7.1]\n");
    await writeFile(path.join(dir, "c.txt"), "tinya==1.1.0\n");
    await writeFile(path.join(dir, "req.txt"), "-c c.txt\ntinyb==2.0.0\n");
    const constrained = path.join(dir, "constrained.yaml");
    await writeFile(constrained, "python:\n  pipRequirements: req.txt\n");
    const { hash } = await engine.hash(constrained);
    const entry = { schema: 1, hash, target: "venv", generation: 1, builder: "venv", artifact: { kind: "venv" }, lock: { packages: RESOLVED }, timings: { startedAt: "", finishedAt: "", durationMs: 1 }, canonicalText: "" } as CacheEntry;
    const report = await check(engine, constrained, { entry });
    expect(report.packages).toEqual({ total: 2, pinned: 2, nested: 1 });
    expect(report.score).toBe(100);
  });

  it("reads the named target's build, or the default target's — never the newest of any target", async () => {
    const { file, engine, put } = await setup("python:\n  pip: [tinyb==2.0.0]\n");
    await put("venv", "2026-01-01T00:00:00Z", RESOLVED);
    await put("spark", "2026-02-01T00:00:00Z"); // newer, records nothing of the pip list
    const byDefault = await check(engine, file);
    expect(byDefault.target).toBe("venv");
    expect(byDefault.findings.map((f) => f.kind)).not.toContain("no-lock");
    const spark = await check(engine, file, { target: "spark" });
    expect(spark.findings.find((f) => f.kind === "no-lock")?.message).toBe("the spark build found records no lock");
    const conda = await check(engine, file, { target: "conda" });
    expect(conda.findings.find((f) => f.kind === "no-lock")?.message).toMatch(/^no conda build of this definition was found/);
    expect(conda.findings.find((f) => f.kind === "no-lock")?.hint).toContain("--target conda");
  });

  it("gives a conda definition the conda target by default (venv cannot carry it)", async () => {
    const { engine, file } = await setup("python:\n  conda:\n    channels: [conda-forge]\n    dependencies: [numpy==1.26.4]\n");
    const { parsed, result } = await engine.resolve(file);
    expect(defaultTarget(engine, parsed, result.canonical)).toBe("conda");
    const { parsed: pipParsed, result: pipResult } = await engine.resolve((await setup("python:\n  pip: [rich]\n")).file);
    expect(defaultTarget(engine, pipParsed, pipResult.canonical)).toBe("venv");
  });

  it("gives full marks to a lock file that covers every package, listed or nested, pinned or not", async () => {
    const { dir, file, engine, put } = await setup("python:\n  version: \"3.11\"\n  pip: [tinyb]\n");
    await writeFile(path.join(dir, "env.lock"), LOCK_FILE);
    const { hash } = await engine.hash(file);
    await put("venv", "2026-01-01T00:00:00Z"); // (the old hash's build: a lock is a new hash)
    const report = await check(engine, file);
    expect(report.findings).toEqual([]);
    expect(report.score).toBe(100);
    expect(report.packages).toEqual({ total: 2, pinned: 2, nested: 1 });
    expect(report.lockFile).toEqual({ covers: ["pip"] });
    expect(hash).toBeDefined();
  });
});

describe("pin from one target, or from the lock", () => {
  it("writes from the named target's build, and says when that target has none", async () => {
    const { file, engine, put } = await setup("python:\n  pip: [tinyb]\n");
    await put("venv", "2026-01-01T00:00:00Z", RESOLVED);
    await put("spark", "2026-02-01T00:00:00Z");
    const ws = new Workspace({ engine, registry: new MemoryRegistry() });
    const none = ws.pinFile(file, { target: "spark" });
    await expect(none).rejects.toMatchObject({ code: "E_NOT_FOUND", message: expect.stringContaining("no spark build"), hint: expect.stringContaining("--target spark") });
    expect(await readFile(file, "utf8")).toBe("python:\n  pip: [tinyb]\n");
    const pinned = await ws.pinFile(file); // the default target, venv — not the newer spark build
    expect(pinned.changes.map((c) => c.to)).toEqual(["tinyb==2.0.0"]);
  });

  it("without a target, writes from the definition's lock file (no build needed)", async () => {
    const { dir, file, engine } = await setup("python:\n  version: \"3.11\"\n  pip: [tinyb]\n");
    await writeFile(path.join(dir, "env.lock"), LOCK_FILE);
    const ws = new Workspace({ engine, registry: new MemoryRegistry() });
    const pinned = await ws.pinFile(file);
    expect(pinned.changes.map((c) => c.to)).toEqual(["tinyb==2.0.0"]);
    await expect(ws.pinFile(file, { target: "venv" })).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  });
});
