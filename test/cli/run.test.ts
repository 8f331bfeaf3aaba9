import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createEngine, type CacheEntry, type Engine } from "@envforge/core/plugin-kit";
import { bundledPlugins } from "@envforge/cli";
import { gc } from "@envforge/workspace";
import { beforeAll, describe, expect, it } from "vitest";
import { runCliProcess, startCliProcess, type CliExit } from "../support/cli-process.js";
import { tempDir } from "../support/engine.js";
import { repoRoot } from "../support/paths.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";
import { runCli, runQuick } from "./support.js";

/**
 * `envforge run`, `shell`'s machinery and `activate` on a real venv (python3 -m venv + pip from
 * wheels this test makes). One venv for the whole file: the first `run` builds it, on the same
 * call whose stdout must stay clean; every later call hits it.
 */
const probe = spawnSync("python3", ["-c", "import venv, ensurepip"], { encoding: "utf8" });
const reason = probe.status === 0 ? undefined : "python3 with the venv and ensurepip modules is not installed";
if (reason && inCI) throw new Error("run tests need python3 with venv and ensurepip in CI");
warnSkip("envforge run tests", reason);

let root: string;
let cacheDir: string;
let file: string;
let wheels: string;
let first: CliExit;
const env = () => ({ ENVFORGE_CACHE_DIR: cacheDir });
const VARIABLES = { GREETING: "hello world", TRICKY: `it's "$HOME" \`x\` $(y)` };

/** A Python one-liner's result: it writes JSON to a file, as an in-process run shares this process's stdout. */
async function pythonResult(args: string[], code: string, extra: string[] = []): Promise<{ code: number; value: unknown }> {
  const out = path.join(root, `out-${Math.random().toString(36).slice(2)}.json`);
  const run = await runCli(["run", file, ...extra, "--", "python", "-c", `import json, sys, os, shutil\nresult = ${code}\njson.dump(result, open(sys.argv[1], 'w'))`, out, ...args], { env: env(), cwd: root });
  return { code: run.code, value: existsSync(out) ? (JSON.parse(readFileSync(out, "utf8")) as unknown) : undefined };
}

describe.skipIf(reason !== undefined)(titleWithReason("envforge run / activate on a venv", reason), () => {
  beforeAll(async () => {
    root = await tempDir("envforge-run-");
    cacheDir = path.join(root, "cache");
    wheels = path.join(root, "wheels");
    await makeWheel(wheels, { name: "envforge-greeting", version: "1.2.0" });
    file = path.join(root, "env.json");
    await writeFile(file, JSON.stringify({ name: "run-test", python: { pip: ["envforge-greeting==1.2.0"] }, variables: VARIABLES }));
    // The build happens on this call: its output must all be on stderr.
    first = await runCliProcess(["run", file, "--find-links", wheels, "--no-index", "--", "python", "-c", "print('hi')"], env(), 180_000);
  }, 200_000);

  it("builds on a miss like build, and CMD's stdout is exactly its own (build output on stderr)", () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe("hi\n");
    expect(first.stderr).toMatch(/cache miss venv/);
    expect(first.stderr).toMatch(/built venv/);
  });

  it("sets the definition's variables and puts the venv's python first on PATH (PYTHONHOME removed)", async () => {
    const { code, value } = await pythonResult(
      [],
      "{'exe': sys.executable, 'prefix': sys.prefix, 'which': shutil.which('python'), 'venv': os.environ.get('VIRTUAL_ENV'), 'home': os.environ.get('PYTHONHOME'), 'greeting': os.environ.get('GREETING'), 'tricky': os.environ.get('TRICKY'), 'pkg': __import__('envforge_greeting').__version__}",
    );
    expect(code).toBe(0);
    const v = value as Record<string, string | null>;
    expect(v.prefix).toBe(v.venv);
    expect(v.which).toBe(path.join(v.venv!, "bin", "python"));
    expect(v.venv!.startsWith(path.join(cacheDir, "v1", "artifacts", "venv"))).toBe(true);
    expect(v.home).toBeNull();
    expect(v.greeting).toBe(VARIABLES.GREETING);
    expect(v.tricky).toBe(VARIABLES.TRICKY);
    expect(v.pkg).toBe("1.2.0");
  });

  it("passes CMD's exit status through, and 127 for a command that is not there", async () => {
    expect((await runCli(["run", file, "--", "sh", "-c", "exit 7"], { env: env(), cwd: root })).code).toBe(7);
    expect((await runCli(["run", file, "--", "sh", "-c", "exit 0"], { env: env(), cwd: root })).code).toBe(0);
    const missing = await runCli(["run", file, "--", "envforge-no-such-command"], { env: env(), cwd: root });
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/E_TOOL_NOT_FOUND: command not found in the environment: envforge-no-such-command/);
  });

  it("hands arguments over literally: no shell sees them", async () => {
    const literal = ["$(touch pwned)", ";", "rm -rf /nonexistent", "*", "'single'", '"double"', "a b", "`touch pwned2`", "$HOME", "", "--target", "x|y>z"];
    const { code, value } = await pythonResult(literal, "sys.argv[2:]");
    expect(code).toBe(0);
    expect(value).toEqual(literal);
    expect(existsSync(path.join(root, "pwned"))).toBe(false);
    expect(existsSync(path.join(root, "pwned2"))).toBe(false);
  });

  it("is never answered by the quick path (which answers only a plain build)", async () => {
    expect(await runQuick(["run", file, "--", "true"], { env: env(), cwd: root })).toBeUndefined();
    expect(await runQuick(["activate", file], { env: env(), cwd: root })).toBeUndefined();
  });

  it("refuses --json (its stdout is CMD's)", async () => {
    const out = await runCli(["run", file, "--json", "--", "true"], { env: env(), cwd: root });
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/"code":"E_INVALID_VALUE"/);
  });

  it("forwards SIGINT and SIGTERM to CMD: CMD's own status, or 128 + n when the signal ended it", async () => {
    const ready = path.join(root, "ready");
    const started = async (args: string[]) => {
      const cli = startCliProcess(["run", file, "-q", "--", ...args], env(), { deadlineMs: 60_000 });
      for (let i = 0; i < 300 && !existsSync(ready); i++) await sleep(100);
      expect(existsSync(ready), cli.stderr()).toBe(true);
      return cli;
    };
    // CMD traps SIGINT and exits 3: envforge exits 3.
    let cli = await started(["python", "-c", `import signal, sys, time\nsignal.signal(signal.SIGINT, lambda *a: sys.exit(3))\nopen(${JSON.stringify(ready)}, 'w').close()\ntime.sleep(60)`]);
    cli.child.kill("SIGINT");
    let exit = await cli.exited;
    expect(exit.signal).toBeNull();
    expect(exit.code, exit.stderr).toBe(3);
    // CMD keeps the default: the signal ends it, and envforge exits as a shell would (128 + n).
    for (const [signal, status] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
      await import("node:fs/promises").then((fs) => fs.rm(ready, { force: true }));
      cli = await started(["sh", "-c", 'touch "$1"; exec sleep 60', "sh", ready]);
      cli.child.kill(signal);
      exit = await cli.exited;
      expect(exit.signal).toBeNull();
      expect(exit.code, exit.stderr).toBe(status);
    }
  }, 60_000);

  it("shell runs $SHELL inside, reading the session from stdin; its exit status is envforge's", () => {
    const shell = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", path.join(repoRoot, "test", "support", "cli-child.ts"), "shell", file, "-q"], {
      cwd: path.join(repoRoot, "test"),
      env: { ...process.env, ...env(), SHELL: "/bin/sh", NO_COLOR: "1" },
      input: 'printf "%s|%s\\n" "$GREETING" "$(command -v python)"\nexit 4\n',
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(shell.status, shell.stderr).toBe(4);
    const [greeting, python] = shell.stdout.replace(/\n$/, "").split("|");
    expect(greeting).toBe(VARIABLES.GREETING);
    expect(python).toMatch(/\/v1\/artifacts\/venv\/[0-9a-f]{64}\.1\/bin\/python$/);
    expect(python!.startsWith(cacheDir)).toBe(true);
  });

  it("activate prints export lines a shell evaluates into the venv with the variables", async () => {
    const out = await runCli(["activate", file], { env: env(), cwd: root });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^unset PYTHONHOME$/m);
    expect(out.stdout).toMatch(/^export PATH='[^']+\/bin':"\$PATH"$/m);
    const script = "import os, sys, json; print(json.dumps([sys.prefix, os.environ['VIRTUAL_ENV'], os.environ['GREETING'], os.environ['TRICKY']]))";
    const shell = spawnSync("bash", ["-c", 'eval "$1"; python -c "$2"', "bash", out.stdout, script], { encoding: "utf8", env: { ...process.env, PYTHONHOME: "/nonexistent" } });
    expect(shell.status, shell.stderr).toBe(0);
    const [prefix, venv, greeting, tricky] = JSON.parse(shell.stdout) as string[];
    expect(prefix).toBe(venv);
    expect(venv!.startsWith(cacheDir)).toBe(true);
    expect(greeting).toBe(VARIABLES.GREETING);
    expect(tricky).toBe(VARIABLES.TRICKY);
  });

  it("activate --json gives the activation as data", async () => {
    const out = await runCli(["activate", file, "--json"], { env: env(), cwd: root });
    expect(out.code, out.stderr).toBe(0);
    const data = JSON.parse(out.stdout) as Record<string, unknown>;
    const artifact = data.artifact as { path: string };
    expect(data).toMatchObject({
      ok: true,
      target: "venv",
      generation: 1,
      env: { VIRTUAL_ENV: artifact.path, ...VARIABLES },
      unset: ["PYTHONHOME"],
      pathPrepend: [path.join(artifact.path, "bin")],
      variables: VARIABLES,
      notes: [],
    });
    expect(data.hash).toMatch(/^efh1:/);
    expect(data.argvPrefix).toBeUndefined();
  });

  it("build --json and env get show the runtime variables", async () => {
    const built = await runCli(["build", file, "--json"], { env: env(), cwd: root });
    expect(built.code, built.stderr).toBe(0);
    expect((JSON.parse(built.stdout) as { variables: unknown; cached: boolean })).toMatchObject({ cached: true, variables: VARIABLES });
    const got = await runCli(["env", "get", "run-test"], { env: env(), cwd: root });
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toContain(`variables (runtime, not hashed) GREETING=${JSON.stringify(VARIABLES.GREETING)}`);
    const json = await runCli(["env", "get", "run-test", "--json"], { env: env(), cwd: root });
    expect((JSON.parse(json.stdout) as { variables: unknown }).variables).toEqual(VARIABLES);
  });

  describe("the embedding API", () => {
    let engine: Engine;
    let entry: CacheEntry;
    beforeAll(async () => {
      engine = createEngine({ cacheDir, plugins: bundledPlugins() });
      const result = await engine.build({ path: file }, { target: "venv" });
      expect(result.cached).toBe(true);
      entry = result.entry;
    });

    it("engine.activation gives the target's activation with the variables applied last", async () => {
      const { parsed } = await engine.resolve({ path: file });
      const activation = await engine.activation(entry, { spec: parsed });
      expect(activation.entry).toBe(entry);
      expect(activation.env).toEqual({ VIRTUAL_ENV: entry.artifact.path, ...VARIABLES });
      const over = await engine.activation(entry, { variables: { VIRTUAL_ENV: "mine" } });
      expect(over.env.VIRTUAL_ENV).toBe("mine");
    });

    it("engine.run returns the child's exit status, and the child sees the activation", async () => {
      const { parsed } = await engine.resolve({ path: file });
      expect(await engine.run(entry, ["sh", "-c", "exit 5"], { spec: parsed, stdio: "ignore" })).toEqual({ exitCode: 5 });
      let stdout = "";
      const result = await engine.run(entry, ["sh", "-c", 'printf "%s|%s" "$GREETING" "$(command -v python)"'], {
        spec: parsed,
        stdio: "pipe",
        onOutput: (stream, chunk) => void (stream === "stdout" && (stdout += chunk)),
      });
      expect(result.exitCode).toBe(0);
      expect(stdout).toBe(`${VARIABLES.GREETING}|${path.join(entry.artifact.path!, "bin", "python")}`);
      const killed = await engine.run(entry, ["sh", "-c", "kill -TERM $$"], { stdio: "ignore" });
      expect(killed).toEqual({ exitCode: 143, signal: "SIGTERM" });
    });

    it("a target without an activate tap cannot be run", async () => {
      await expect(engine.activation({ ...entry, target: "nowhere" }, {})).rejects.toMatchObject({ code: "E_NO_BUILDER", message: expect.stringContaining('target "nowhere" cannot be run') });
    });

    // Last: it collects the venv once the run is over.
    it("cache gc during a run leaves the artifact; once the run ends it is collected", async () => {
      const ready = path.join(root, "gc-ready");
      const done = path.join(root, "gc-done");
      const running = engine.run(entry, ["sh", "-c", 'touch "$1"; while [ ! -e "$2" ]; do sleep 0.1; done', "sh", ready, done], { stdio: "ignore" });
      for (let i = 0; i < 100 && !existsSync(ready); i++) await sleep(50);
      expect(existsSync(ready)).toBe(true);
      // No roots: everything is unreachable, so only the lease keeps the entry.
      const during = await gc(cacheDir, { roots: [] });
      expect(during.inUse.map((i) => [i.kind, i.hash])).toContainEqual(["entry", entry.hash]);
      expect(during.removed.filter((i) => i.hash === entry.hash)).toEqual([]);
      expect(existsSync(entry.artifact.path!)).toBe(true);
      await writeFile(done, "");
      expect((await running).exitCode).toBe(0);
      const after = await gc(cacheDir, { roots: [] });
      expect(after.removed.map((i) => [i.kind, i.hash])).toContainEqual(["entry", entry.hash]);
      expect(existsSync(entry.artifact.path!)).toBe(false);
    });
  });
});

describe("env diff of versions that differ only in runtime variables", () => {
  it("says the hash is the same and which variables differ", async () => {
    const dir = await tempDir("envforge-vars-");
    const cache = path.join(dir, "cache");
    const a = path.join(dir, "a.json");
    const b = path.join(dir, "b.json");
    await writeFile(a, JSON.stringify({ name: "vars", python: { version: "3.11" }, variables: { MODE: "dev", KEEP: "1" } }));
    await writeFile(b, JSON.stringify({ name: "vars", python: { version: "3.11" }, variables: { MODE: "prod", KEEP: "1", ADDED: "x" } }));
    const opts = { env: { ENVFORGE_CACHE_DIR: cache }, cwd: dir };
    expect((await runCli(["register", a], opts)).code).toBe(0);
    expect((await runCli(["register", b], opts)).code).toBe(0);
    const diff = await runCli(["env", "diff", "vars@1", "vars@2"], opts);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toMatch(/^same hash efh1:[0-9a-f]{64}; variables differ: ADDED, MODE$/m);
    expect(diff.stdout).toContain('  MODE: "dev" → "prod"');
    expect(diff.stdout).toContain('  ADDED: (unset) → "x"');
    const json = JSON.parse((await runCli(["env", "diff", "vars@1", "vars@2", "--json"], opts)).stdout) as { equal: boolean; variables: unknown };
    expect(json.equal).toBe(true);
    expect(json.variables).toEqual([
      { name: "ADDED", b: "x" },
      { name: "MODE", a: "dev", b: "prod" },
    ]);
  });
});
