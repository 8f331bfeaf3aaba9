import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createEngine, MEMORY_RECHECK_MS, type CacheEntry, type Engine, type EngineEvent } from "@envforge/core/plugin-kit";
import { pipPlugin } from "@envforge/plugin-pip";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, runQuick } from "../cli/support.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";

/**
 * A hit is checked (issue 12, part 4): real venvs built by python3 -m venv + pip, damaged one way
 * at a time; the next build — through the engine (memory tier, then the local store) and through
 * the CLI's quick path — must rebuild with an E_CACHE_CORRUPT warning, never serve the damage.
 * Each damage hits the entry the previous rebuild left, so the whole file builds few venvs.
 */
const probe = spawnSync("python3", ["-c", "import venv, ensurepip"], { encoding: "utf8" });
const reason = probe.status === 0 ? undefined : "python3 with the venv and ensurepip modules is not installed";
if (reason && inCI) throw new Error(`seal tests need ${reason.replace(" is not installed", "")} in CI`);
warnSkip("seal tests (real venvs)", reason);

const BUILD_MS = 180_000;

let root: string;
let wheels: string;
let file: string;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), "envforge-seal-venv-"));
  wheels = path.join(root, "wheels");
  await makeWheel(wheels, { name: "envforge-greeting", version: "1.2.0" });
  // A top-level module (no package folder): its bytecode goes to site-packages/__pycache__.
  await makeWheel(wheels, { name: "envforge-solo", version: "1.0.0", files: { "envforge_solo.py": "WORD = 'solo'\n" } });
  file = path.join(root, "env.yaml");
  writeFileSync(file, "python:\n  pip:\n    - envforge-greeting==1.2.0\n    - envforge-solo==1.0.0\n");
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Damage {
  name: string;
  /** Damages the artifact (or the entry file) of the current entry. */
  apply(entry: CacheEntry, entryFile: string): void;
  /**
   * Only the entry file changes: the engine that built the entry serves it from memory as built
   * (its artifact is intact), so the local store is asked by a fresh engine.
   */
  entryOnly?: boolean;
}

const sitePackages = (venv: string) => {
  const lib = path.join(venv, "lib");
  return path.join(lib, readdirSync(lib).find((n) => n.startsWith("python"))!, "site-packages");
};
const copyOf = (dir: string) => {
  const copy = mkdtempSync(path.join(root, "copy-"));
  cpSync(dir, copy, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  return copy;
};

const DAMAGES: Damage[] = [
  { name: "the venv emptied", apply: (e) => readdirSync(e.artifact.path!).forEach((n) => rmSync(path.join(e.artifact.path!, n), { recursive: true })) },
  { name: "bin/python deleted", apply: (e) => rmSync(path.join(e.artifact.path!, "bin", "python")) },
  { name: "a package's folder removed from site-packages", apply: (e) => rmSync(path.join(sitePackages(e.artifact.path!), "envforge_greeting"), { recursive: true }) },
  {
    name: "the folder replaced by a file",
    apply: (e) => {
      rmSync(e.artifact.path!, { recursive: true });
      writeFileSync(e.artifact.path!, "");
    },
  },
  {
    name: "the folder replaced by a symlink to a copy",
    apply: (e) => {
      const copy = copyOf(e.artifact.path!);
      rmSync(e.artifact.path!, { recursive: true });
      symlinkSync(copy, e.artifact.path!);
    },
  },
  {
    name: "the entry's artifact.path edited (to a copy)",
    apply: (e, entryFile) => {
      const data = JSON.parse(readFileSync(entryFile, "utf8")) as CacheEntry;
      data.artifact.path = copyOf(e.artifact.path!);
      writeFileSync(entryFile, JSON.stringify(data, null, 2));
    },
    entryOnly: true,
  },
];

const warnings = (events: EngineEvent[]) => events.filter((e): e is Extract<EngineEvent, { type: "warning" }> => e.type === "warning");
const cliArgs = (cacheDir: string, ...more: string[]) => ["build", file, "--target", "venv", "--cache-dir", cacheDir, "--find-links", wheels, "--no-index", ...more];

describe.skipIf(reason)(titleWithReason("a hit is checked: damaged venvs are rebuilt (real python3 -m venv + pip)", reason), () => {
  describe("through engine.build (memory tier, then the local store)", () => {
    let engine: Engine;
    let events: EngineEvent[];
    let cacheDir: string;
    const build = () => engine.build({ path: file }, { target: "venv", builderOptions: { pip: { findLinks: [wheels], noIndex: true } } });
    const entryFile = (entry: CacheEntry) => engine.cache.local.entryPath(entry);

    beforeAll(async () => {
      cacheDir = path.join(root, "cache-engine");
      engine = createEngine({ plugins: [pipPlugin()], cacheDir });
      events = [];
      engine.hooks.event.tap("test", (e) => events.push(e));
      const first = await build();
      expect(first.cached).toBe(false);
      expect(first.entry.seal?.stamps.map((s) => s.path)).toEqual(["", "bin", "bin/python", expect.stringMatching(/^lib\/python3\.\d+\/site-packages$/)]);
      expect(first.entry.contentDigest?.files).toBeGreaterThan(0);
    }, BUILD_MS);

    it(
      "a run of the venv's python importing its packages keeps the hit (memory and a fresh engine)",
      async () => {
        const { entry } = await build();
        const run = spawnSync(path.join(entry.artifact.path!, "bin", "python"), ["-c", "import envforge_greeting, envforge_solo; print(envforge_solo.WORD)"], { encoding: "utf8" });
        expect(run.stdout.trim()).toBe("solo");
        expect(existsSync(path.join(sitePackages(entry.artifact.path!), "__pycache__"))).toBe(true);
        await sleep(MEMORY_RECHECK_MS + 100); // the memory tier checks again
        events.length = 0;
        const again = await build();
        expect(again.cached).toBe(true);
        expect(warnings(events)).toEqual([]);
        const fresh = createEngine({ plugins: [pipPlugin()], cacheDir });
        const hit = await fresh.build({ path: file }, { target: "venv" });
        expect([hit.cached, hit.store]).toEqual([true, "local"]);
      },
      BUILD_MS,
    );

    for (const damage of DAMAGES) {
      it(
        `${damage.name}: the next build rebuilds with E_CACHE_CORRUPT`,
        async () => {
          const { entry } = await build(); // in the memory tier, checked now
          damage.apply(entry, entryFile(entry));
          await sleep(MEMORY_RECHECK_MS + 100);
          events.length = 0;
          let next;
          if (damage.entryOnly) {
            const fresh = createEngine({ plugins: [pipPlugin()], cacheDir });
            fresh.hooks.event.tap("test", (e) => events.push(e));
            next = await fresh.build({ path: file }, { target: "venv", builderOptions: { pip: { findLinks: [wheels], noIndex: true } } });
          } else next = await build();
          expect(next.cached).toBe(false);
          const corrupt = warnings(events).filter((w) => w.code === "E_CACHE_CORRUPT");
          expect(corrupt).toHaveLength(1);
          expect(corrupt[0]!.message).toMatch(/fails its seal/);
          // The entry was moved aside; the new one is sealed and hits again.
          expect(readdirSync(path.dirname(entryFile(entry))).some((n) => n.includes(".corrupt-"))).toBe(true);
          expect(statSync(next.entry.artifact.path!).isDirectory()).toBe(true);
          expect((await build()).cached).toBe(true);
        },
        BUILD_MS,
      );
    }

    it(
      "an entry written before seals existed is a hit, without a warning, and gets sealed",
      async () => {
        const { entry } = await build();
        const data = JSON.parse(readFileSync(entryFile(entry), "utf8")) as Record<string, unknown>;
        delete data.seal;
        delete data.contentDigest;
        writeFileSync(entryFile(entry), JSON.stringify(data, null, 2));
        const fresh = createEngine({ plugins: [pipPlugin()], cacheDir });
        const seen: EngineEvent[] = [];
        fresh.hooks.event.tap("test", (e) => seen.push(e));
        const hit = await fresh.build({ path: file }, { target: "venv" });
        expect(hit.cached).toBe(true);
        expect(warnings(seen)).toEqual([]);
        const written = JSON.parse(readFileSync(entryFile(entry), "utf8")) as CacheEntry;
        expect(written.seal?.stamps.map((s) => s.path)).toEqual([""]);
        expect(written.contentDigest).toBeUndefined();
        expect((await runCli(["cache", "verify", "--cache-dir", cacheDir])).stdout).toMatch(/no digest recorded/);
      },
      BUILD_MS,
    );
  });

  describe("through the CLI (quick path, then the full CLI)", () => {
    let cacheDir: string;
    const current = () => {
      const entries = path.join(cacheDir, "v1", "entries", "venv");
      const name = readdirSync(entries).find((n) => n.endsWith(".json"))!;
      const entryFile = path.join(entries, name);
      return { entry: JSON.parse(readFileSync(entryFile, "utf8")) as CacheEntry, entryFile };
    };

    beforeAll(async () => {
      cacheDir = path.join(root, "cache-cli");
      const built = await runCli(cliArgs(cacheDir));
      expect(built.code, built.stderr).toBe(0);
      const quick = await runQuick(cliArgs(cacheDir));
      expect(quick?.stderr).toMatch(/cache hit/);
    }, BUILD_MS);

    it(
      "a run of the venv's python keeps the quick hit",
      async () => {
        const { entry } = current();
        const run = spawnSync(path.join(entry.artifact.path!, "bin", "python"), ["-c", "import envforge_greeting, envforge_solo"], { encoding: "utf8" });
        expect(run.status, run.stderr).toBe(0);
        const quick = await runQuick(cliArgs(cacheDir));
        expect(quick?.code).toBe(0);
        expect(quick?.stderr).toMatch(/cache hit/);
      },
      BUILD_MS,
    );

    for (const damage of DAMAGES) {
      it(
        `${damage.name}: the quick path declines, the CLI rebuilds with E_CACHE_CORRUPT`,
        async () => {
          const { entry, entryFile } = current();
          damage.apply(entry, entryFile);
          expect(await runQuick(cliArgs(cacheDir))).toBeUndefined();
          const full = await runCli(cliArgs(cacheDir));
          expect(full.code, full.stderr).toBe(0);
          expect(full.stderr).toMatch(/E_CACHE_CORRUPT: cache entry .* fails its seal/);
          expect(full.stderr).not.toMatch(/cache hit/);
          expect(full.stdout).toMatch(/built \(generation/);
          const quick = await runQuick(cliArgs(cacheDir));
          expect(quick?.stderr).toMatch(/cache hit/);
        },
        BUILD_MS,
      );
    }

    it(
      "cache verify passes an untouched entry and finds a module rewritten behind the seal's back",
      async () => {
        const clean = await runCli(["cache", "verify", file, "--cache-dir", cacheDir]);
        expect(clean.code, clean.stderr + clean.stdout).toBe(0);
        expect(clean.stdout).toMatch(/^ok /m);
        const { entry } = current();
        const module = path.join(sitePackages(entry.artifact.path!), "envforge_greeting", "__init__.py");
        const { atime, mtime } = statSync(module);
        writeFileSync(module, readFileSync(module, "utf8").replace("1.2.0", "6.6.6"));
        utimesSync(module, atime, mtime);
        // The seal does not see it: still a hit.
        expect((await runQuick(cliArgs(cacheDir)))?.stderr).toMatch(/cache hit/);
        const found = await runCli(["cache", "verify", "--cache-dir", cacheDir]);
        expect(found.code).toBe(4);
        expect(found.stdout).toMatch(/MODIFIED/);
        expect(found.stdout).toMatch(/modified lib\/python3\.\d+\/site-packages\/envforge_greeting\/__init__\.py/);
        const json = await runCli(["cache", "verify", entry.hash, "--cache-dir", cacheDir, "--json"]);
        expect(json.code).toBe(4);
        const report = JSON.parse(json.stdout) as { passed: boolean; results: Array<{ status: string; differences: string[] }> };
        expect(report.passed).toBe(false);
        expect(report.results[0]!.status).toBe("modified");
        expect(report.results[0]!.differences).toEqual([expect.stringMatching(/^modified .*envforge_greeting\/__init__\.py$/)]);
      },
      BUILD_MS,
    );
  });
});
