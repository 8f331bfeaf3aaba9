import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { EnvforgeError, type SpecSource } from "@envforge/core/plugin-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir, testEngine } from "../support/engine.js";
import { expectExit, runCliProcess } from "../support/cli-process.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";
import { report } from "../reliability/support.js";

/**
 * Paths that are not regular files — FIFOs, sockets, devices, links to them — where envforge
 * reads a file: in the cache (entries, artifacts, source memos, registration receipts, the
 * registry) and as input (the definition, requirements files, `-r` includes). `open()` of a FIFO
 * waits for a writer in the kernel, deaf to SIGINT and SIGTERM; envforge opens without blocking
 * and checks what it opened first, so every case here finishes by itself: in the cache it is a
 * corrupt entry (E_CACHE_CORRUPT, moved aside, rebuilt) or skipped with a warning; as input an
 * error naming the file, what it is and the field.
 *
 * Cases that read synchronously (the entry, the quick path) run the real CLI in a child process
 * killed at a deadline, so a regression fails the test instead of freezing the runner; the async
 * reads of inputs run in-process under a deadline (a blocked open holds a thread-pool thread, not
 * the event loop).
 */

const DEADLINE_MS = 60_000;
const cli = (args: string[], env: NodeJS.ProcessEnv = {}, deadlineMs = DEADLINE_MS) => runCliProcess(args, env, deadlineMs);
const exitedWith = expectExit;

function mkfifo(file: string): void {
  const r = spawnSync("mkfifo", [file], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`mkfifo ${file}: ${r.stderr || r.error?.message}`);
}

/** Settles with `work`, or rejects once `ms` have passed (the event loop is free meanwhile). */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function refusal(run: Promise<unknown>): Promise<EnvforgeError> {
  const error = await within(
    10_000,
    run.then(
      () => undefined,
      (e: unknown) => e,
    ),
  );
  expect(error).toBeInstanceOf(EnvforgeError);
  return error as EnvforgeError;
}

const hasMkfifo = spawnSync("mkfifo", ["--version"]).status === 0;
const venvProbe = spawnSync("python3", ["-c", "import venv, ensurepip"]);
const reason = !hasMkfifo ? "mkfifo is not installed" : venvProbe.status !== 0 ? "python3 with the venv and ensurepip modules is not installed" : undefined;
if (reason && inCI) throw new Error(`the not-a-file tests need ${reason.replace(" is not installed", "")} in CI`);
warnSkip("not-a-file tests", reason);

describe.skipIf(!hasMkfifo)(titleWithReason("a FIFO, socket or device as input is an input error with its words, file and field", hasMkfifo ? undefined : "mkfifo is not installed"), () => {
  let defs: string;
  let server: net.Server | undefined;
  beforeAll(async () => {
    defs = await tempDir("envforge-notfile-defs-");
    mkfifo(path.join(defs, "requirements.txt"));
    symlinkSync(path.join(defs, "requirements.txt"), path.join(defs, "link-to-fifo.txt"));
    writeFileSync(path.join(defs, "includes-fifo.txt"), "numpy==1.26\n-r requirements.txt\n");
    mkfifo(path.join(defs, "env-fifo.yaml"));
    writeFileSync(path.join(defs, "shell.txt"), "numpy==1.26\n; rm -rf /\n");
    server = net.createServer();
    await new Promise<void>((resolve) => server!.listen(path.join(defs, "socket.txt"), resolve));
  });
  afterAll(() => server?.close());

  const def = (python: Record<string, unknown>): SpecSource => ({ object: { python }, dir: defs, file: path.join(defs, "env.yaml") });

  it.each([
    ["a FIFO", "requirements.txt", "a FIFO"],
    ["a symlink to a FIFO", "link-to-fifo.txt", "a FIFO"],
    ["a unix socket", "socket.txt", "a socket"],
  ])("%s as python.pipRequirements", async (_, name, kind) => {
    const { engine } = await testEngine();
    const error = await refusal(engine.hash(def({ pipRequirements: name })));
    expect(error.code).toBe("E_FILE_NOT_FOUND");
    expect(error.message).toBe(`${path.join(defs, name)} is ${kind}, not a file`);
    expect(error.message).not.toMatch(/folder/);
    expect(error.field).toBe("python.pipRequirements");
    expect(error.location?.file).toBe(path.join(defs, "env.yaml"));
    expect(error.hint).toMatch(/FIFO, a socket or a device is never opened/);
  });

  it("a FIFO included with -r: located at the include line of the file that names it", async () => {
    const { engine } = await testEngine();
    const error = await refusal(engine.hash(def({ pipRequirements: "includes-fifo.txt" })));
    expect(error.code).toBe("E_FILE_NOT_FOUND");
    expect(error.message).toContain("requirements.txt is a FIFO, not a file");
    expect(error.location).toMatchObject({ file: path.join(defs, "includes-fifo.txt"), line: 2 });
  });

  it("a character device (with outside files allowed): named as one, never read", async () => {
    const { engine } = await testEngine({ allowFilesOutsideRoot: true });
    const error = await refusal(engine.hash(def({ pipRequirements: "/dev/zero" })));
    expect(error.message).toBe("/dev/zero is a character device, not a file");
  });

  it("a FIFO as the definition file itself (engine and CLI)", async () => {
    const { engine } = await testEngine();
    const error = await refusal(engine.hash(path.join(defs, "env-fifo.yaml")));
    expect(error.code).toBe("E_FILE_NOT_FOUND");
    expect(error.message).toBe(`${path.join(defs, "env-fifo.yaml")} is a FIFO, not a file`);
    const cacheDir = await tempDir("envforge-notfile-cache-");
    for (const command of [["validate"], ["hash"], ["build"]]) {
      const run = await cli([...command, path.join(defs, "env-fifo.yaml"), "--cache-dir", cacheDir], {}, 30_000);
      exitedWith(run, 1);
      expect(run.stderr).toContain("is a FIFO, not a file");
    }
  });

  it("`; rm -rf /` as a requirement: said to be no requirement, not a message about -r", async () => {
    const { engine } = await testEngine();
    for (const source of [def({ pipRequirements: "shell.txt" }), def({ pip: ["; rm -rf /"] })]) {
      const error = await refusal(engine.hash(source));
      expect(error.code).toBe("E_INVALID_REQUIREMENT");
      expect(error.message).toBe('"; rm" is not a requirement: a requirement starts with a project name, a path or a URL, not ";"');
      expect(error.message).not.toMatch(/-r\b/);
      expect(error.hint).toMatch(/starts with an option/);
    }
  });
});

describe.skipIf(reason)(titleWithReason("a FIFO in the cache never blocks build, cache ls or cache gc", reason), () => {
  let dir: string;
  let cache: string;
  let file: string;
  let build: string[];
  const entryDir = () => path.join(cache, "v1", "entries", "venv");
  const entryFile = () => path.join(entryDir(), readdirSync(entryDir()).find((n) => /^[0-9a-f]{64}\.json$/.test(n))!);
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    dir = await tempDir("envforge-notfile-cli-");
    const wheels = path.join(dir, "wheels");
    await makeWheel(wheels, { name: "envforge-notfile", version: "1.0.0" });
    file = path.join(dir, "env.yaml");
    // Named: every build registers it (the registry's files are read on every build).
    writeFileSync(file, "name: notfile-demo\npython:\n  pip:\n    - envforge-notfile==1.0.0\n");
    cache = path.join(dir, "cache");
    build = ["build", file, "--cache-dir", cache, "--find-links", wheels, "--no-index"];
    exitedWith(await cli(build, {}, 180_000), 0);
  }, 240_000);

  afterAll(() => {
    if (Object.keys(figures).length > 0) report("fifo-entry", { ...figures, deadlineMs: DEADLINE_MS });
  });

  it("a FIFO as the entry file: cache ls warns and skips it, gc goes on, build moves it aside and rebuilds", { timeout: 240_000 }, async () => {
    const entry = entryFile();
    renameSync(entry, `${entry}.saved`);
    mkfifo(entry);
    const ls = await cli(["cache", "ls", "--cache-dir", cache]);
    exitedWith(ls, 0);
    expect(ls.stderr).toContain(`E_CACHE_CORRUPT: cache entry ${entry} is a FIFO, not a file; not listed`);
    const gc = await cli(["cache", "gc", "--dry-run", "--cache-dir", cache]);
    exitedWith(gc, 0);
    const rebuilt = await cli(build, {}, 180_000);
    exitedWith(rebuilt, 0);
    expect(rebuilt.stderr).toContain(`E_CACHE_CORRUPT: cache entry ${entry} is a FIFO, not a file; treating it as a miss`);
    expect(rebuilt.stdout).toContain("status: built");
    expect(readdirSync(entryDir()).some((n) => n.includes(".corrupt-"))).toBe(true); // moved aside, kept
    expect(statSync(entry).isFile()).toBe(true);
    rmSync(`${entry}.saved`);
    Object.assign(figures, { lsMs: ls.ms, gcMs: gc.ms, buildMs: rebuilt.ms });
  });

  it("a FIFO as the entry's artifact: ls and gc finish, build (quick path and full) reports the entry corrupt and rebuilds", { timeout: 240_000 }, async () => {
    const artifactsDir = path.join(cache, "v1", "artifacts", "venv");
    const artifact = path.join(artifactsDir, readdirSync(artifactsDir).sort().at(-1)!);
    renameSync(artifact, `${artifact}.saved`);
    mkfifo(artifact);
    exitedWith(await cli(["cache", "ls", "--cache-dir", cache]), 0);
    exitedWith(await cli(["cache", "gc", "--dry-run", "--cache-dir", cache]), 0);
    const rebuilt = await cli(build, {}, 180_000);
    exitedWith(rebuilt, 0);
    expect(rebuilt.stderr).toMatch(/E_CACHE_CORRUPT: .*venv/);
    expect(rebuilt.stdout).toContain("status: built");
    rmSync(`${artifact}.saved`, { recursive: true, force: true });
  });

  it("an entry that is a symlink to a FIFO: the same corrupt entry, never a wait", { timeout: 240_000 }, async () => {
    const entry = entryFile();
    const fifo = path.join(dir, "elsewhere.fifo");
    mkfifo(fifo);
    renameSync(entry, `${entry}.saved`);
    symlinkSync(fifo, entry);
    const ls = await cli(["cache", "ls", "--cache-dir", cache]);
    exitedWith(ls, 0);
    expect(ls.stderr).toContain("is a FIFO, not a file");
    const again = await cli(build, {}, 180_000);
    exitedWith(again, 0);
    expect(again.stderr).toContain(`cache entry ${entry} is a FIFO, not a file`);
    rmSync(`${entry}.saved`);
  });

  it("FIFOs as the source memos and the registration receipt: the quick path steps aside, the full CLI answers the hit and records them again", { timeout: 120_000 }, async () => {
    const sources = path.join(cache, "v1", "sources");
    const records = readdirSync(sources, { recursive: true, withFileTypes: true }).filter((d) => d.isFile() && d.name.endsWith(".json"));
    expect(records.length).toBeGreaterThanOrEqual(2); // a memo and a receipt
    for (const r of records) {
      const full = path.join(r.parentPath, r.name);
      rmSync(full);
      mkfifo(full);
    }
    const hit = await cli(build);
    exitedWith(hit, 0);
    expect(hit.stdout).toContain("status: cache hit (local)");
    // This run's memo and receipt are files again (memos of other keys, if any, stay as they are).
    const regular = records.filter((r) => statSync(path.join(r.parentPath, r.name)).isFile());
    expect(regular.length).toBeGreaterThanOrEqual(2);
    expect(regular.some((r) => path.basename(r.parentPath) === "registered")).toBe(true);
    const quick = await cli(build);
    exitedWith(quick, 0);
    expect(quick.stdout).toBe(hit.stdout);
  });

  it("a FIFO as the definition a memo was recorded for: the quick path never opens it, the CLI says what it is", { timeout: 120_000 }, async () => {
    renameSync(file, `${file}.saved`);
    mkfifo(file);
    try {
      const run = await cli(build);
      exitedWith(run, 1);
      expect(run.stderr).toContain(`${file} is a FIFO, not a file`);
    } finally {
      rmSync(file);
      renameSync(`${file}.saved`, file);
    }
  });

  it("a FIFO as the registry's snapshot: the build still answers (not registered, with the words), env list refuses with them", { timeout: 120_000 }, async () => {
    const snapshot = path.join(cache, "registry", "registry.json");
    renameSync(snapshot, `${snapshot}.saved`);
    mkfifo(snapshot);
    try {
      const hit = await cli(build, { ENVFORGE_QUICK: "0" });
      exitedWith(hit, 0);
      expect(hit.stdout).toContain("status: cache hit");
      expect(hit.stderr).toContain(`built, but not registered: the registry file ${snapshot} is a FIFO, not a file`);
      const list = await cli(["env", "list", "--cache-dir", cache]);
      exitedWith(list, 1);
      expect(list.stderr).toContain("E_REGISTRY_CORRUPT");
      expect(list.stderr).toContain("is a FIFO, not a file");
    } finally {
      rmSync(snapshot);
      renameSync(`${snapshot}.saved`, snapshot);
    }
    expect(existsSync(snapshot)).toBe(true);
  });
});
