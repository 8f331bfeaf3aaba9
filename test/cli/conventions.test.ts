import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/engine.js";
import { expectExit, runCliProcess, startCliProcess } from "../support/cli-process.js";
import { repoRoot } from "../support/paths.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";
import { runCli } from "./support.js";

/**
 * What users of git, Nix or Turborepo expect of a command line: `--version`; output into a pipe
 * whose reader has gone (`| head -1`) ends quietly; `explain --exit-code` like `git diff
 * --exit-code`; numeric flags checked before any work. (Signals: signals.test.ts.)
 */
const STACK = /\n\s+at .+:\d+:\d+/;
const cliPackage = JSON.parse(readFileSync(path.join(repoRoot, "packages", "cli", "package.json"), "utf8")) as { name: string; version: string };

describe("envforge --version", () => {
  it.each([["--version"], ["-V"]])("%s prints the CLI package's version and exits 0 (a real process)", async (flag) => {
    const run = await runCliProcess([flag]);
    expectExit(run, 0);
    expect(run.stdout).toBe(`${cliPackage.version}\n`);
    expect(run.stderr).toBe("");
  });

  it("--version --json prints the name, the version and Node's", async () => {
    const run = await runCli(["--version", "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ name: cliPackage.name, version: cliPackage.version, node: process.version });
  });

  it("is answered before the engine is loaded: version.ts imports nothing but node:fs (and types)", () => {
    const source = readFileSync(path.join(repoRoot, "packages", "cli", "src", "version.ts"), "utf8");
    const imports = [...source.matchAll(/^import (?!type )[^;]*from "([^"]+)";/gm)].map((m) => m[1]);
    expect(imports).toEqual(["node:fs"]);
    // The binary runs the bundle of src/bin.ts (quick.cjs: the version, the quick path) before the rest (envforge.cjs).
    const quick = readFileSync(path.join(repoRoot, "packages", "cli", "src", "bin.ts"), "utf8");
    expect(quick).toContain("versionAnswer(argv");
    expect(quick).not.toMatch(/from "\.\/main\.js"/);
    const bin = readFileSync(path.join(repoRoot, "packages", "cli", "bin", "envforge.js"), "utf8");
    expect(bin.indexOf('load("quick.cjs"')).toBeGreaterThan(-1);
    expect(bin.indexOf('load("quick.cjs"')).toBeLessThan(bin.indexOf('load("envforge.cjs"'));
  });

  it("is not taken from a command's own --version: register --version 7 registers version 7", async () => {
    const dir = await tempDir("envforge-version-flag-");
    writeFileSync(path.join(dir, "env.yaml"), "name: versioned\npython:\n  pip:\n    - tinya==1.0.0\n");
    const run = await runCli(["register", path.join(dir, "env.yaml"), "--version", "7", "--cache-dir", path.join(dir, "cache")]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/registered versioned@7 /);
  });

  it("is listed in --help", async () => {
    const run = await runCli(["--help"]);
    expect(run.stdout).toMatch(/-V, --version\s+print the version/);
  });
});

describe("a closed pipe: the reader is gone before envforge writes", () => {
  let cache: string;
  beforeAll(async () => {
    const dir = await tempDir("envforge-pipe-");
    cache = path.join(dir, "cache");
    writeFileSync(path.join(dir, "env.yaml"), "name: piped\npython:\n  pip:\n    - envforge-greeting==1.0\n");
    const registered = await runCli(["register", path.join(dir, "env.yaml"), "--cache-dir", cache]);
    expect(registered.code, registered.stderr).toBe(0);
  });

  it.each([
    ["--help", () => ["--help"]],
    ["--version", () => ["--version"]],
    ["cache ls", () => ["cache", "ls", "--cache-dir", cache]],
    ["env get", () => ["env", "get", "piped", "--cache-dir", cache]],
    ["env list --json", () => ["env", "list", "--json", "--cache-dir", cache]],
  ] as const)("envforge %s: no EPIPE, no stack trace, its own exit status (0)", async (_name, args) => {
    const run = await startCliProcess([...args()], {}, { closeStdout: true }).exited;
    expectExit(run, 0);
    expect(run.stderr).not.toContain("EPIPE");
    expect(run.stderr).not.toMatch(STACK);
    expect(run.stderr).not.toContain("Unhandled");
  });

  it("both stdout and stderr closed (`2>&1 | head -0`): a command that warns still finishes, exit 0", async () => {
    const dir = await tempDir("envforge-pipe-stderr-");
    const file = path.join(dir, "env.yaml");
    writeFileSync(file, "python:\n  pip:\n    - envforge-unpinned\n"); // a W_UNPINNED warning on stderr
    const run = await startCliProcess(["validate", file], {}, { closeStdout: true, closeStderr: true }).exited;
    expectExit(run, 0);
  });

  it("an error still exits with its own code when stdout is closed (exit 1, message on stderr)", async () => {
    const run = await startCliProcess(["env", "get", "no-such-env", "--cache-dir", cache], {}, { closeStdout: true }).exited;
    expectExit(run, 1);
    expect(run.stderr).toContain("no-such-env");
    expect(run.stderr).not.toContain("EPIPE");
  });

  it("through a real shell pipeline into head -1: the first line, exit 0 for envforge", async () => {
    const child = path.join(repoRoot, "test", "support", "cli-child.ts");
    const script = `"${process.execPath}" --conditions=source --import tsx "${child}" --help | head -1; exit "\${PIPESTATUS[0]}"`;
    const run = spawnSync("bash", ["-c", script], { cwd: path.join(repoRoot, "test"), encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe("Usage: envforge [options] [command]\n");
    expect(run.stderr).not.toContain("EPIPE");
  });
});

const python = spawnSync("python3", ["-c", "import venv, ensurepip"]).status === 0 ? undefined : "python3 with venv and ensurepip is not installed";
if (python && inCI) throw new Error("the quick-path pipe test needs python3 with venv in CI");
warnSkip("the quick-path pipe test", python);

describe.skipIf(python !== undefined)(titleWithReason("a closed pipe on the quick path (a cached build)", python), () => {
  it("envforge build FILE answered from the cache into a closed pipe: exit 0, no EPIPE", { timeout: 120_000 }, async () => {
    const dir = await tempDir("envforge-pipe-quick-");
    const wheels = path.join(dir, "wheels");
    await makeWheel(wheels, { name: "envforge-greeting", version: "1.0" });
    const file = path.join(dir, "env.yaml");
    writeFileSync(file, "python:\n  pip:\n    - envforge-greeting==1.0\n");
    const cache = path.join(dir, "cache");
    const built = await runCli(["build", file, "--cache-dir", cache, "--no-index", "--find-links", wheels]);
    expect(built.code, built.stderr).toBe(0);
    const run = await startCliProcess(["build", file, "--cache-dir", cache], {}, { closeStdout: true }).exited;
    expectExit(run, 0);
    expect(run.stderr).toContain("cache hit");
    expect(run.stderr).not.toContain("EPIPE");
    expect(run.stderr).not.toMatch(STACK);
  });
});

describe("envforge explain --exit-code", () => {
  let a: string;
  let b: string;
  beforeAll(async () => {
    const dir = await tempDir("envforge-explain-exit-");
    a = path.join(dir, "a.yaml");
    b = path.join(dir, "b.yaml");
    writeFileSync(a, "python:\n  pip:\n    - tinya==1.0.0\n");
    writeFileSync(b, "python:\n  pip:\n    - tinya==1.1.0\n");
  });

  it("exits 1 when the definitions differ, and still prints the difference", async () => {
    const run = await runCli(["explain", a, b, "--exit-code"]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain("canonical field(s) differ");
    expect(run.stderr).toBe("");
  });

  it("exits 0 when they hash the same", async () => {
    const run = await runCli(["explain", a, a, "--exit-code"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("same hash");
  });

  it("with --json too: 1 when they differ", async () => {
    const run = await runCli(["explain", a, b, "--exit-code", "--json"]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ equal: false });
  });

  it("without the flag: 0 either way (documented)", async () => {
    expect((await runCli(["explain", a, b])).code).toBe(0);
  });
});

describe("numbers in options are checked: exit 1 naming the flag and the valid range, before any work", () => {
  let file: string;
  let cache: string;
  beforeAll(async () => {
    const dir = await tempDir("envforge-numbers-");
    file = path.join(dir, "env.yaml");
    cache = path.join(dir, "cache");
    writeFileSync(file, "python:\n  pip:\n    - tinya==1.0.0\n");
  });

  it.each([["abc"], ["-1"], ["101"], ["1e3"], ["NaN"], ["Infinity"], ["0x10"], [""]])("check --min-score %j", async (value) => {
    const run = await runCli(["check", file, `--min-score=${value}`, "--cache-dir", cache]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain("E_INVALID_VALUE");
    expect(run.stderr).toContain("--min-score");
    expect(run.stderr).toMatch(/from 0 to 100/);
    expect(run.stdout + run.stderr).not.toContain("NaN is");
    expect(run.stdout).not.toContain("below NaN");
    expect(run.stderr).not.toMatch(STACK);
  });

  it("check --min-score inside the range is taken (0 passes, 100 fails with exit 4)", async () => {
    expect((await runCli(["check", file, "--min-score", "0", "--cache-dir", cache])).code).toBe(0);
    const strict = await runCli(["check", file, "--min-score", "100", "--cache-dir", cache]);
    expect(strict.code).toBe(4); // no lock yet: the score is below 100
    expect(strict.stdout).toMatch(/FAILED: below 100/);
  });

  it.each([["abc"], ["-3"], ["1e3"], ["99999999"]])("cache gc --max-age-days %j", async (value) => {
    const run = await runCli(["cache", "gc", `--max-age-days=${value}`, "--dry-run", "--cache-dir", cache]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain("--max-age-days");
    expect(run.stderr).toMatch(/from 0 to 36500/);
  });

  it.each([["abc"], ["-1G"], ["10X"]])("cache gc --max-size %j", async (value) => {
    const run = await runCli(["cache", "gc", `--max-size=${value}`, "--dry-run", "--cache-dir", cache]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain("--max-size");
    expect(run.stderr).toMatch(/K, M, G or T/);
  });

  it("cache gc with valid numbers runs", async () => {
    const run = await runCli(["cache", "gc", "--max-age-days", "30", "--max-size", "10G", "--dry-run", "--cache-dir", cache]);
    expect(run.code, run.stderr).toBe(0);
  });
});
