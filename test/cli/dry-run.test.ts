import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { EnginePlugin } from "@envforge/core/plugin-kit";
import { beforeAll, describe, expect, it } from "vitest";
import { expectExit, runCliProcess } from "../support/cli-process.js";
import { tempDir } from "../support/engine.js";
import { repoRoot } from "../support/paths.js";
import { runCli, runQuick } from "./support.js";

/**
 * `build --dry-run` looks without writing (EngineOptions.readOnly), `--print-artifact-path` gives
 * a path a shell can use, and `cache ls` shows sizes and ages. One real venv build (the README's
 * example, from its local wheels) serves every test.
 */

/** Every path under `root` with its type, size, times and content: equal trees wrote nothing. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string) => {
    const info = lstatSync(at);
    const rel = path.relative(root, at) || ".";
    if (info.isDirectory()) {
      out[rel] = `d ${info.mtimeMs} ${info.mode}`;
      for (const name of readdirSync(at).sort()) walk(path.join(at, name));
    } else if (info.isSymbolicLink()) out[rel] = `l ${readlinkSync(at)}`;
    else out[rel] = `f ${info.size} ${info.mtimeMs} ${info.mode} ${createHash("sha256").update(readFileSync(at)).digest("hex")}`;
  };
  walk(root);
  return out;
}

interface BuildJson {
  hash: string;
  cached: boolean;
  entry: { generation: number; artifact: { path: string }; timings: { finishedAt: string } };
}

interface DryJson {
  ok: boolean;
  dryRun: boolean;
  hit: boolean;
  store?: string;
  generation?: number;
  artifact?: string;
  storesAsked: string[];
  build?: { builder: string[]; canonical: Record<string, unknown>; requirements?: string };
}

let dir: string;
let cacheDir: string;
let built: BuildJson;
const wheels = ["--find-links", "wheels", "--no-index"];
const cli = (args: string[], cache = cacheDir) => runCli([...args, "--cache-dir", cache], { cwd: dir });

beforeAll(async () => {
  dir = await tempDir("envforge-dry-");
  cpSync(path.join(repoRoot, "examples", "hello"), dir, { recursive: true });
  cacheDir = path.join(dir, "cache");
  const first = await cli(["build", "env.yaml", ...wheels, "--json"]);
  expect(first.code, first.stderr).toBe(0);
  built = JSON.parse(first.stdout) as BuildJson;
}, 180_000);

describe("build --dry-run", () => {
  it("on a fresh cache folder: would build, with the builder, canonical sections and pip requirements, and the folder is not even created", async () => {
    const fresh = path.join(dir, "never-created");
    const human = await cli(["build", "--dry-run", "env.yaml"], fresh);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`hash: ${built.hash}`);
    expect(human.stdout).toContain("status: would build (a miss in: envforge:memory, envforge:local)");
    expect(human.stdout).toContain("builder: pip");
    expect(human.stdout).toMatch(/requirements\.txt:\n {2}envforge-greeting\n {2}envforge-hello==1/);
    const machine = await cli(["build", "--dry-run", "--json", "env.yaml"], fresh);
    const report = JSON.parse(machine.stdout) as DryJson;
    expect(report).toMatchObject({ ok: true, dryRun: true, hit: false, build: { builder: ["pip"], canonical: { pip: expect.anything() } } });
    expect(report.build!.requirements).toContain("envforge-hello==1");
    expect(existsSync(fresh)).toBe(false);
  });

  it("after a build: would hit the local store, names the artifact, and the cache tree is byte-identical before and after", async () => {
    const before = tree(cacheDir);
    const human = await cli(["build", "--dry-run", "env.yaml"]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`status: would hit (local, generation ${built.entry.generation})`);
    expect(human.stdout).toContain(`artifact: ${built.entry.artifact.path}`);
    const byName = JSON.parse((await cli(["build", "--dry-run", "--json", "hello"])).stdout) as DryJson;
    expect(byName).toMatchObject({ hit: true, store: "local", artifact: built.entry.artifact.path });
    const rebuild = JSON.parse((await cli(["build", "--dry-run", "--rebuild", "--json", "env.yaml"])).stdout) as DryJson;
    expect(rebuild.hit).toBe(false);
    expect(rebuild.build?.builder).toEqual(["pip"]);
    expect(tree(cacheDir)).toEqual(before);
  });

  it("an entry older than seals is checked but not sealed, and a failing seal is reported as a miss without moving the entry aside", async () => {
    const entryFile = path.join(cacheDir, "v1", "entries", "venv", `${built.hash.slice(5)}.json`);
    const original = readFileSync(entryFile, "utf8");
    const { seal: _seal, ...unsealed } = JSON.parse(original) as Record<string, unknown>;
    writeFileSync(entryFile, `${JSON.stringify(unsealed, null, 2)}\n`);
    try {
      let before = tree(cacheDir);
      const hit = JSON.parse((await cli(["build", "--dry-run", "--json", "env.yaml"])).stdout) as DryJson;
      expect(hit.hit).toBe(true);
      expect(tree(cacheDir)).toEqual(before);
      expect(readFileSync(entryFile, "utf8")).not.toContain('"seal"');

      writeFileSync(entryFile, original);
      // The artifact folder's time no longer matches its seal: a hit would move the entry aside and rebuild.
      const artifact = built.entry.artifact.path;
      const { atime, mtime } = lstatSync(artifact);
      utimesSync(artifact, atime, new Date(mtime.getTime() + 5_000));
      try {
        before = tree(cacheDir);
        const miss = await cli(["build", "--dry-run", "env.yaml"]);
        expect(miss.code, miss.stderr).toBe(0);
        expect(miss.stdout).toContain("status: would build");
        expect(miss.stderr).toContain("fails its seal");
        expect(tree(cacheDir)).toEqual(before);
      } finally {
        utimesSync(artifact, atime, mtime);
      }
    } finally {
      writeFileSync(entryFile, original);
    }
  });

  it("a read-only engine refuses to build, so a dry run can never turn into a build", async () => {
    const { createEngine } = await import("@envforge/core");
    // A builder for the target: without one, the target is refused as unknown before anything else (targets.ts).
    const builder: EnginePlugin = { name: "builder", apply: (e) => e.hooks.build.for("venv").tap("builder", () => undefined) };
    const engine = createEngine({ cacheDir: path.join(dir, "ro-cache"), readOnly: true, plugins: [builder] });
    await expect(engine.build({ text: "{}", file: "x.yaml", dir }, { target: "venv" })).rejects.toMatchObject({ code: "E_INVALID_VALUE", message: expect.stringContaining("read-only") });
    expect(existsSync(path.join(dir, "ro-cache"))).toBe(false);
  });
});

describe("build --print-artifact-path", () => {
  it("prints only the artifact path, from the full CLI and from the quick path", async () => {
    const full = await cli(["build", "env.yaml", "--print-artifact-path", ...wheels, "--rebuild"]);
    expect(full.code, full.stderr).toBe(0);
    const rebuilt = full.stdout;
    expect(rebuilt).toMatch(/^\/\S+\n$/);
    expect(existsSync(path.join(rebuilt.trim(), "bin", "python"))).toBe(true);
    const hit = await cli(["build", "env.yaml", "--print-artifact-path"]);
    expect(hit.stdout).toBe(rebuilt);
    const quick = await runQuick(["build", "env.yaml", "--print-artifact-path", "--cache-dir", cacheDir], { cwd: dir });
    expect(quick, "the quick path answers it").toBeDefined();
    expect(quick!.stdout).toBe(rebuilt);
    expect(quick!.stderr).toContain("cache hit");
  });

  it("works as $(envforge build --print-artifact-path FILE) in a real process", async () => {
    const run = await runCliProcess(["build", path.join(dir, "env.yaml"), "--print-artifact-path", "--cache-dir", cacheDir]);
    expectExit(run, 0);
    expect(run.stdout.trim().split("\n")).toHaveLength(1);
    expect(existsSync(path.join(run.stdout.trim(), "bin", "python"))).toBe(true);
  });

  it("does not go with --json or --dry-run; a flag the quick path does not know sends the build to the full CLI", async () => {
    for (const other of ["--json", "--dry-run"]) {
      const out = await cli(["build", "env.yaml", "--print-artifact-path", other]);
      expect(out.code).toBe(1);
      expect(out.stdout + out.stderr).toContain("--print-artifact-path");
    }
    const quick = (...flags: string[]) => runQuick(["build", "env.yaml", ...flags, "--cache-dir", cacheDir], { cwd: dir });
    expect(await quick("--print-artifact-path", "--progress=plain")).toBeDefined();
    expect(await quick("--progress", "tty")).toBeDefined();
    for (const flags of [["--dry-run"], ["--progress", "json"], ["--progress", "sparkly"], ["--no-such-flag"]]) {
      expect(await quick(...flags), `${flags.join(" ")} goes to the full CLI`).toBeUndefined();
    }
  });
});

describe("cache ls", () => {
  it("shows each entry's size (the artifact folder's bytes) and age; --json gives sizeBytes and createdAt", async () => {
    const rows = JSON.parse((await cli(["cache", "ls", "--json"])).stdout) as { hash: string; artifact: { path: string }; sizeBytes: number; createdAt: string; ageMs: number; timings: { finishedAt: string } }[];
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    // The same count made independently: every file and link once per inode (find -printf).
    const listed = execFileSync("find", [row.artifact.path, "(", "-type", "f", "-o", "-type", "l", ")", "-printf", "%i %s\\n"], { encoding: "utf8" });
    const inodes = new Map(listed.trim().split("\n").map((l) => l.split(" ") as [string, string]));
    const expected = [...inodes.values()].reduce((sum, size) => sum + Number(size), 0);
    expect(row.sizeBytes).toBe(expected);
    expect(row.createdAt).toBe(row.timings.finishedAt);
    expect(row.ageMs).toBeGreaterThanOrEqual(0);
    const human = await cli(["cache", "ls"]);
    const [header, line] = human.stdout.trim().split("\n");
    expect(header).toMatch(/^HASH\s+TARGET\s+GEN\s+NAME\s+SIZE\s+AGE\s+ARTIFACT$/);
    expect(line).toContain(row.hash);
    expect(line).toMatch(/ \d+(\.\d)? MB +\d+[smhd] {2}\//);
  });
});
