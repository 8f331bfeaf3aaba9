import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createEngine, EnvforgeError, type BuildRequest, type EngineEvent, type SpecSource } from "@envforge/core/plugin-kit";
import { pipPlugin } from "@envforge/plugin-pip";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeSdist, makeWheel } from "../support/wheels.js";

/**
 * The venv target for real: `python3 -m venv` + `pip install --no-index --find-links` of wheels
 * this test makes, through the whole engine (hash → lookup → build → store → hit).
 */
const probe = spawnSync("python3", ["-c", "import venv, ensurepip; import sys; print('%d.%d.%d' % sys.version_info[:3])"], { encoding: "utf8" });
const reason = probe.status === 0 ? undefined : "python3 with the venv and ensurepip modules is not installed";
if (reason && inCI) throw new Error(`venv tests need ${reason.replace(" is not installed", "")} in CI`);
warnSkip("venv builds", reason);
const hostPython = probe.stdout.trim();

let root: string;
let wheels: string;
let slow: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "envforge-venv-"));
  wheels = path.join(root, "wheels");
  await makeWheel(wheels, { name: "envforge-greeting", version: "1.2.0" });
  await makeWheel(wheels, { name: "envforge-greeting", version: "1.1.0" });
  await makeWheel(wheels, { name: "envforge-hello", version: "1.0.0", requires: ["envforge-greeting>=1.0"] });
  // An sdist whose build backend (run by pip in a child process) records its pid and hangs:
  // cancelling the build must kill that grandchild too, not just pip.
  slow = path.join(root, "slow");
  await makeSdist(slow, {
    name: "envforge-slow",
    version: "1.0",
    files: {
      "pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "hang"\nbackend-path = ["."]\n',
      "hang.py":
        "import os, time\n" +
        "def get_requires_for_build_wheel(config_settings=None):\n" +
        "    with open(os.environ['ENVFORGE_TEST_PIDFILE'], 'w') as f:\n" +
        "        f.write(str(os.getpid()))\n" +
        "    time.sleep(600)\n" +
        "    return []\n",
    },
  });
});

afterAll(() => undefined);

function setup() {
  const cacheDir = path.join(root, `cache-${Math.random().toString(36).slice(2)}`);
  const engine = createEngine({ plugins: [pipPlugin()], cacheDir });
  const events: EngineEvent[] = [];
  engine.hooks.event.tap("test", (e) => events.push(e));
  const artifactDirs: string[] = [];
  // Sees where the builder was told to put the artifact (returns nothing: the pip tap builds).
  engine.hooks.build.for("venv").tap({ name: "test-observer", stage: -100 }, (ctx) => {
    artifactDirs.push(ctx.artifactDir);
    return undefined;
  });
  return { engine, events, artifactDirs, cacheDir };
}

const spec = (pip: string[], python: Record<string, unknown> = {}): SpecSource => ({
  object: { name: "hello", python: { ...python, pip } },
  file: "<test>",
  dir: root,
});
const offline = (): BuildRequest["builderOptions"] => ({ pip: { findLinks: [wheels], noIndex: true } });
// pip runs as `-m pip` or through the base interpreter's `__pip-runner__.py` (venv-seed.ts).
const PIP_INSTALL = /\bpip\S* install\b/;
const logs = (events: EngineEvent[]) => events.flatMap((e) => (e.type === "log" ? [e.line] : []));

describe.skipIf(reason)(titleWithReason("venv target (real python3 -m venv + pip)", reason), () => {
  it("a miss builds the venv, locks what pip resolved (transitive included) and warns about the unpinned one", async () => {
    const { engine, events } = setup();
    const result = await engine.build(spec(["envforge-hello==1.0.0", "envforge-greeting"]), { target: "venv", builderOptions: offline() });

    expect(result.cached).toBe(false);
    const artifact = result.entry.artifact;
    expect(artifact).toMatchObject({ kind: "venv", details: { pythonVersion: hostPython } });
    const python = String(artifact.details?.python);
    expect(python).toBe(path.join(artifact.path!, "bin", "python"));
    const run = spawnSync(python, ["-c", "import envforge_hello, envforge_greeting; print(envforge_greeting.__version__)"], { encoding: "utf8" });
    expect(run.stdout.trim(), run.stderr).toBe("1.2.0");

    const locked = Object.fromEntries(result.entry.lock!.packages.map((p) => [p.name, p]));
    expect(locked["envforge-hello"]).toEqual({ ecosystem: "pip", name: "envforge-hello", version: "1.0.0" });
    expect(locked["envforge-greeting"]?.version).toBe("1.2.0");
    expect(locked.pip?.version).toMatch(/^\d+\./);
    expect(Object.values(result.entry.lock!.raw!)[0]).toContain("envforge-hello==1.0.0");

    const unpinned = events.filter((e) => e.type === "warning" && e.code === "W_UNPINNED");
    expect(unpinned.map((e) => (e as { message: string }).message.split(" ")[0])).toEqual(['"envforge-greeting"']);
    expect(logs(events).some((l) => /Successfully installed .*envforge-greeting-1\.2\.0/.test(l))).toBe(true);
    expect(logs(events)).toContain("unpinned envforge-greeting resolved to 1.2.0 (recorded in the lock)");
    const logFile = readFileSync(result.entry.logPath!, "utf8");
    expect(logFile).toContain("Successfully installed");

    // The same definition again: a hit, in far less time, without running pip.
    events.length = 0;
    const again = await engine.build(spec(["envforge-greeting", "envforge-hello==1.0.0"]), { target: "venv", builderOptions: offline() });
    expect(again).toMatchObject({ cached: true, hash: result.hash });
    expect(events.some((e) => e.type === "build.start")).toBe(false);
    expect(logs(events)).toEqual([]);
    expect(again.timings.totalMs!).toBeLessThan(result.timings.totalMs! / 5);
  });

  it("the venv is made without ensurepip and filled by the host's pip, yet is a whole venv: pip inside, the lock is its freeze, modules compiled", async () => {
    const { engine, events } = setup();
    const result = await engine.build(spec(["envforge-hello==1.0.0", "envforge-greeting"]), { target: "venv", builderOptions: offline() });
    expect(logs(events).some((l) => l.startsWith("$ ") && l.includes("-m venv --without-pip"))).toBe(true);
    const venv = result.entry.artifact.path!;
    const python = path.join(venv, "bin", "python");
    const pipEnv = { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: "1", PIP_CONFIG_FILE: "/dev/null" };
    // pip of the same version python3 -m venv would have put there, usable as `python -m pip` and `bin/pip`.
    const hostPip = spawnSync("python3", ["-c", "import ensurepip; print(ensurepip.version())"], { encoding: "utf8" }).stdout.trim();
    const version = spawnSync(python, ["-m", "pip", "--version"], { encoding: "utf8", env: pipEnv });
    expect(version.stdout, version.stderr).toContain(`pip ${hostPip} from ${realpathSync(venv)}`);
    expect(spawnSync(path.join(venv, "bin", "pip"), ["--version"], { encoding: "utf8", env: pipEnv }).status).toBe(0);
    // The lock (read from pip's install report) is what pip freeze --all says of the venv.
    const freeze = spawnSync(python, ["-m", "pip", "freeze", "--all"], { encoding: "utf8", env: pipEnv });
    expect(result.entry.lock!.raw!["pip freeze --all"]).toBe(freeze.stdout);
    expect(result.entry.lock!.packages.map((p) => p.name)).toEqual(["envforge-greeting", "envforge-hello", "pip"]);
    expect(spawnSync(python, ["-m", "pip", "check"], { encoding: "utf8", env: pipEnv }).status).toBe(0);
    // The user's modules are byte-compiled (pip's own compile on first use, as above).
    const site = path.join(venv, "lib", `python${hostPython.split(".").slice(0, 2).join(".")}`, "site-packages");
    expect(readdirSync(path.join(site, "envforge_hello", "__pycache__")).some((f) => f.startsWith("__init__.cpython-"))).toBe(true);
    // Running pip in it wrote only `__pycache__` below pip's folder: the next build is a hit.
    const again = await engine.build(spec(["envforge-hello==1.0.0", "envforge-greeting"]), { target: "venv", builderOptions: offline() });
    expect(again).toMatchObject({ cached: true, hash: result.hash });
  });

  it("a definition that names pip gets that pip, not the host's", async () => {
    await makeWheel(path.join(root, "own-pip"), { name: "pip", version: "99.0", files: { "pip/__init__.py": "__version__ = '99.0'\n" } });
    const { engine, events } = setup();
    const result = await engine.build(spec(["pip==99.0", "envforge-greeting==1.1.0"]), {
      target: "venv",
      builderOptions: { pip: { findLinks: [wheels, path.join(root, "own-pip")], noIndex: true } },
    });
    expect(result.entry.lock!.packages.map((p) => `${p.name}==${p.version}`)).toEqual(["envforge-greeting==1.1.0", "pip==99.0"]);
    expect(logs(events).some((l) => l.includes("pip-seed"))).toBe(false);
  });

  it("index options written in a requirements file are used by the build (and not hashed)", async () => {
    const dir = await mkdtemp(path.join(root, "reqfile-"));
    // The wheels lie beside the definition: a find-links folder elsewhere is refused (strangers.test.ts).
    await makeWheel(path.join(dir, "wheels"), { name: "envforge-greeting", version: "1.1.0" });
    await writeFile(path.join(dir, "requirements.txt"), "--no-index\n--find-links wheels\nenvforge-greeting==1.1.0\n");
    await writeFile(path.join(dir, "env.yaml"), "python:\n  pipRequirements: ./requirements.txt\n");
    const { engine } = setup();
    const result = await engine.build(path.join(dir, "env.yaml"), { target: "venv" });
    expect(result.entry.lock!.packages.find((p) => p.name === "envforge-greeting")?.version).toBe("1.1.0");
    expect((await engine.hash(spec(["envforge-greeting==1.1.0"]))).hash).toBe(result.hash);
  });

  it("a failing install is E_BUILD_FAILED with pip's output, and leaves no cache entry or artifact", async () => {
    const { engine, artifactDirs } = setup();
    const error = await engine.build(spec(["envforge-hello==1.0.0", "envforge-missing==9.9"]), { target: "venv", builderOptions: offline() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvforgeError);
    const e = error as EnvforgeError;
    expect(e.code).toBe("E_BUILD_FAILED");
    expect(e.message).toMatch(/pip install exited with code 1/);
    expect(e.message).toMatch(/No matching distribution found for envforge-missing==9\.9/);
    expect(String(e.details?.outputTail)).toContain("envforge-missing");
    const { hash } = await engine.hash(spec(["envforge-hello==1.0.0", "envforge-missing==9.9"]));
    expect(await engine.lookup(hash, "venv")).toBeUndefined();
    expect(artifactDirs).toHaveLength(1);
    expect(existsSync(artifactDirs[0]!)).toBe(false);
  });

  it("cancelling kills pip and the build backend it started, and leaves no cache entry or artifact", async () => {
    const { engine, artifactDirs } = setup();
    const pidFile = path.join(root, `backend-${Date.now()}.pid`);
    const abort = new AbortController();
    const build = engine
      .build(spec(["envforge-slow==1.0"]), {
        target: "venv",
        signal: abort.signal,
        builderOptions: { pip: { findLinks: [slow], noIndex: true, env: { ENVFORGE_TEST_PIDFILE: pidFile } } },
      })
      .catch((e: unknown) => e);
    const deadline = Date.now() + 60_000;
    while (!existsSync(pidFile) || readFileSync(pidFile, "utf8") === "") {
      if (Date.now() > deadline) throw new Error("the build backend never started");
      await sleep(100);
    }
    const backendPid = Number(readFileSync(pidFile, "utf8"));
    expect(alive(backendPid)).toBe(true);
    abort.abort();
    const error = await build;
    expect(error).toMatchObject({ code: "E_ABORTED" });
    // The grandchild goes with the group (SIGTERM, then SIGKILL after a grace period).
    const gone = Date.now() + 10_000;
    while (alive(backendPid) && Date.now() < gone) await sleep(100);
    expect(alive(backendPid)).toBe(false);
    const { hash } = await engine.hash(spec(["envforge-slow==1.0"]));
    expect(await engine.lookup(hash, "venv")).toBeUndefined();
    expect(existsSync(artifactDirs[0]!)).toBe(false);
  });

  it("credentials in index URLs never reach the log, the events or the command line", async () => {
    const { engine, events } = setup();
    const secret = "t0psecret-Pa55";
    const result = await engine.build(spec(["envforge-greeting==1.2.0"]), {
      target: "venv",
      builderOptions: {
        // The index is unreachable (port 9): pip prints it, fails over to --find-links, and succeeds.
        pip: { indexUrl: `http://builder:${secret}@127.0.0.1:9/simple`, findLinks: [wheels], env: { PIP_RETRIES: "0", PIP_TIMEOUT: "1" } },
      },
    });
    const lines = logs(events);
    expect(lines.some((l) => l.includes("127.0.0.1:9"))).toBe(true);
    expect(lines.find((l) => l.startsWith("$ ") && PIP_INSTALL.test(l))).not.toContain("127.0.0.1:9");
    expect(JSON.stringify(events)).not.toContain(secret);
    expect(readFileSync(result.entry.logPath!, "utf8")).not.toContain(secret);
  });

  it("python.version must match the interpreter: a mismatch is refused before anything is built", async () => {
    const { engine } = setup();
    // No interpreter of this version anywhere (interpreter.test.ts covers the search itself).
    const error = await engine.build(spec(["envforge-greeting==1.2.0"], { version: "3.4" }), { target: "venv", builderOptions: offline() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_TOOL_NOT_FOUND", field: "python.version" });
    expect((error as EnvforgeError).message).toContain(`Python ${hostPython}`);
    expect((error as EnvforgeError).hint).toContain("pip.python");
    const named = await engine.build(spec(["envforge-greeting==1.2.0"], { version: "2.7" }), { target: "venv", builderOptions: { ...offline(), pip: { ...offline()!.pip, python: "python3" } } }).catch((e: unknown) => e);
    expect(named).toMatchObject({ code: "E_TOOL_NOT_FOUND", field: "python.version" });
    expect((named as EnvforgeError).message).toContain(`is Python ${hostPython}`);
    const ok = await engine.build(spec(["envforge-greeting==1.2.0"], { version: hostPython.split(".").slice(0, 2).join(".") }), { target: "venv", builderOptions: offline() });
    expect(ok.cached).toBe(false);
  });

  it("a missing interpreter is E_TOOL_NOT_FOUND naming the builder option to fix it", async () => {
    const { engine } = setup();
    const error = await engine
      .build(spec(["envforge-greeting==1.2.0"]), { target: "venv", builderOptions: { pip: { python: "/nonexistent/python3.99", findLinks: [wheels], noIndex: true } } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_TOOL_NOT_FOUND" });
    expect((error as EnvforgeError).message).toContain('"/nonexistent/python3.99" was not found');
    expect((error as EnvforgeError).hint).toContain("pip.python");
  });

  it("a user-managed environment installs nothing: its interpreter is checked and recorded", async () => {
    const { engine, events } = setup();
    const interpreter = realpathSync(spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout.trim());
    const result = await engine.build({ object: { python: { userManaged: true, interpreterPath: interpreter } }, file: "<test>", dir: root }, { target: "venv" });
    expect(result.entry.artifact).toEqual({ kind: "venv", path: interpreter, details: { python: interpreter, pythonVersion: hostPython, userManaged: true } });
    expect(logs(events).some((l) => PIP_INSTALL.test(l))).toBe(false);
    const missing = await engine
      .build({ object: { python: { userManaged: true, interpreterPath: "/nonexistent/python3" } }, file: "<test>", dir: root }, { target: "venv" })
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: "E_FILE_NOT_FOUND", field: "python.interpreterPath" });
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
