import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createEngine, EnvforgeError } from "@envforge/core/plugin-kit";
import { pipPlugin } from "@envforge/plugin-pip";
import { afterAll, describe, expect, it } from "vitest";
import { auditCache } from "../support/cache-audit.js";
import { HANG_TARGET, hangPlugin, hangSpec, isRunning, pidsIn, type HangOptions } from "../support/hang-plugin.js";
import { PROBE_TARGET, probeArtifactComplete, probePlugin, probeSpec } from "../support/reliability-plugin.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeSdist, makeWheel } from "../support/wheels.js";
import { report, tmp } from "./support.js";

const complete = (e: { artifact: { path?: string | undefined } }) => probeArtifactComplete(e.artifact.path!);

async function failure(run: Promise<unknown>): Promise<EnvforgeError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EnvforgeError);
  return error as EnvforgeError;
}

async function waitForPids(file: string, count: number): Promise<number[]> {
  for (let i = 0; i < 600 && pidsIn(file).length < count; i++) await sleep(50);
  const pids = pidsIn(file);
  expect(pids.length).toBeGreaterThanOrEqual(count);
  return pids;
}

/** Processes whose command line names the folder (pip runs from the venv it builds). */
function processesUsing(folder: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmd.includes(folder)) out.push(`${pid}: ${cmd.trim()}`);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

// --- full disk: a 1 MiB tmpfs as the cache folder ---

const mounts: string[] = [];
async function smallDisk(): Promise<{ dir?: string; reason?: string }> {
  const dir = path.join(await tmp("tmpfs"), "cache");
  await mkdir(dir);
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir], { encoding: "utf8" });
  if (r.status !== 0) return { reason: `cannot mount a tmpfs here (${(r.stderr || r.error?.message || "").trim() || "not root?"})` };
  mounts.push(dir);
  return { dir };
}
afterAll(() => {
  for (const dir of mounts) spawnSync("umount", ["-l", dir]);
});

const probeMount = spawnSync("sh", ["-c", 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d"; r=$?; rmdir "$d"; exit $r'], { encoding: "utf8" });
const noTmpfs = probeMount.status === 0 ? undefined : "mounting a tmpfs needs root (mount -t tmpfs)";
warnSkip("full-disk tests", noTmpfs);
const hasVenv = spawnSync("python3", ["-c", "import venv, ensurepip"]).status === 0;
const noVenv = hasVenv ? undefined : "python3 with the venv and ensurepip modules is not installed";
if (noVenv && inCI) throw new Error("the resource-fault tests need python3 with venv and ensurepip in CI");
warnSkip("venv resource-fault tests", noVenv);

describe.skipIf(noTmpfs)(titleWithReason("a full cache filesystem", noTmpfs), () => {
  it("an artifact that does not fit: E_CACHE_IO naming the full disk, nothing half-written left, the engine still works", async () => {
    const { dir } = await smallDisk();
    const engine = createEngine({ cacheDir: dir!, plugins: [probePlugin()] });
    const error = await failure(engine.build(probeSpec("big", { files: 20, fileBytes: 100_000 }), { target: PROBE_TARGET }));
    expect(error.code).toBe("E_CACHE_IO");
    expect(error.hint).toMatch(/full/);
    expect(error.details).toMatchObject({ errno: "ENOSPC" });
    const audit = await auditCache(dir!, complete);
    expect(audit).toMatchObject({ valid: [], broken: [], incomplete: [], debris: [], liveLocks: [] });
    // The failed artifact was removed, so there is room again for a build that fits.
    const small = await engine.build(probeSpec("small", { files: 2, fileBytes: 1000 }), { target: PROBE_TARGET });
    expect(await probeArtifactComplete(small.entry.artifact.path!)).toBe(true);
    report("full-disk-artifact", { code: error.code, hint: error.hint });
  });

  it("a disk that fills up before the entry is written: E_CACHE_IO, no entry, then a normal build once space is back", async () => {
    const { dir } = await smallDisk();
    const filler = path.join(dir!, "filler");
    const engine = createEngine({ cacheDir: dir!, plugins: [probePlugin()] });
    const earlier = await engine.build(probeSpec("earlier", { files: 1, fileBytes: 100 }), { target: PROBE_TARGET });
    const error = await failure(engine.build(probeSpec("late", { files: 2, fileBytes: 1000 }), { target: PROBE_TARGET, builderOptions: { probe: { fillDisk: filler } } }));
    expect(error.code).toBe("E_CACHE_IO");
    expect(error.message).toMatch(/ENOSPC|no space/i);
    const audit = await auditCache(dir!, complete);
    expect(audit.broken).toEqual([]);
    expect(audit.incomplete).toEqual([]);
    expect(audit.liveLocks).toEqual([]);
    expect(audit.valid.map((e) => e.hash)).toEqual([earlier.hash]);
    await rm(filler);
    const again = await engine.build(probeSpec("late", { files: 2, fileBytes: 1000 }), { target: PROBE_TARGET });
    expect(again.cached).toBe(false);
    expect(await probeArtifactComplete(again.entry.artifact.path!)).toBe(true);
  });

  it.skipIf(noVenv)("a real venv build on a full disk (python -m venv fails without saying why) is E_CACHE_IO with the hint, and leaves nothing", { timeout: 180_000 }, async () => {
    const { dir } = await smallDisk();
    const wheels = path.join(await tmp("full-wheels"), "wheels");
    await makeWheel(wheels, { name: "envforge-fill", version: "1.0.0" });
    const engine = createEngine({ cacheDir: dir!, plugins: [pipPlugin()] });
    const spec = { object: { python: { pip: ["envforge-fill==1.0.0"] } } };
    const error = await failure(engine.build(spec, { target: "venv", builderOptions: { pip: { findLinks: [wheels], noIndex: true } } }));
    expect(error.code).toBe("E_CACHE_IO");
    expect(error.hint).toMatch(/full/);
    const audit = await auditCache(dir!, () => Promise.resolve(false));
    expect(audit).toMatchObject({ valid: [], broken: [], incomplete: [], debris: [], liveLocks: [] });
    report("full-disk-venv", { code: error.code, message: error.message.split("\n")[0] });
  });
});

// --- hanging tools: timeouts and cancellation kill the whole tree ---

describe("a hanging external tool", () => {
  const setup = async () => {
    const dir = await tmp("hang");
    const engine = createEngine({ cacheDir: path.join(dir, "cache"), plugins: [hangPlugin()] });
    return { dir, engine, pidFile: path.join(dir, "pids") };
  };
  const options = (mode: HangOptions["mode"], pidFile?: string) => ({ hang: { mode, pidFile } });

  it("is bounded by timeoutMs: E_TIMEOUT, sh and both sleeps it forked are dead, nothing cached, the key builds next time", async () => {
    const { engine, pidFile } = await setup();
    const t0 = Date.now();
    const error = await failure(engine.build(hangSpec("t"), { target: HANG_TARGET, timeoutMs: 1500, builderOptions: options("cancel", pidFile) }));
    const took = Date.now() - t0;
    expect(error.code).toBe("E_TIMEOUT");
    const pids = pidsIn(pidFile);
    expect(pids).toHaveLength(3);
    expect(pids.filter(isRunning)).toEqual([]);
    expect(took).toBeLessThan(1500 + 3000);
    expect(await engine.lookup((await engine.hash(hangSpec("t"))).hash, HANG_TARGET)).toBeUndefined();
    expect((await engine.build(hangSpec("t"), { target: HANG_TARGET, builderOptions: options("quick") })).cached).toBe(false);
    report("timeout", { timeoutMs: 1500, returnedAfterMs: took, processesKilled: pids.length, survivors: 0 });
  });

  it("is cancelled through an AbortSignal: E_ABORTED and no process of the tree survives", async () => {
    const { engine, pidFile } = await setup();
    const abort = new AbortController();
    const building = engine.build(hangSpec("a"), { target: HANG_TARGET, signal: abort.signal, builderOptions: options("cancel", pidFile) });
    const pids = await waitForPids(pidFile, 3);
    expect(pids.every(isRunning)).toBe(true);
    abort.abort();
    const error = await failure(building);
    expect(error.code).toBe("E_ABORTED");
    expect(pids.filter(isRunning)).toEqual([]);
  });

  it("whose builder ignores the signal is still killed (it runs in the build's work folder) and the call returns", async () => {
    const { engine, pidFile } = await setup();
    const t0 = Date.now();
    const error = await failure(engine.build(hangSpec("i"), { target: HANG_TARGET, timeoutMs: 1000, builderOptions: options("ignore", pidFile) }));
    expect(error.code).toBe("E_TIMEOUT");
    expect(pidsIn(pidFile).filter(isRunning)).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(1000 + 5000 + 3000);
    expect((await engine.build(hangSpec("i"), { target: HANG_TARGET, builderOptions: options("quick") })).cached).toBe(false);
  });

  it("in a builder that never settles: the call returns at the timeout, the key stays locked until it stops, other keys build", async () => {
    const { engine } = await setup();
    const t0 = Date.now();
    const error = await failure(engine.build(hangSpec("s"), { target: HANG_TARGET, timeoutMs: 500, builderOptions: options("stuck") }));
    expect(error.code).toBe("E_TIMEOUT");
    expect(Date.now() - t0).toBeLessThan(500 + 5000 + 3000);
    // Its artifact folder may still be written by the stuck builder: nobody else builds there meanwhile.
    const waiting = await failure(engine.build(hangSpec("s"), { target: HANG_TARGET, timeoutMs: 500, builderOptions: options("quick") }));
    expect(waiting.code).toBe("E_TIMEOUT");
    expect((await engine.build(hangSpec("other"), { target: HANG_TARGET, builderOptions: options("quick") })).cached).toBe(false);
  });

  it.skipIf(noVenv)("in a real pip build (a build backend that hangs and forks): cancelling kills pip, the backend and its child", { timeout: 180_000 }, async () => {
    const dir = await tmp("hang-pip");
    const sdists = path.join(dir, "sdists");
    await makeSdist(sdists, {
      name: "envforge-hang",
      version: "1.0",
      files: {
        "pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "hang"\nbackend-path = ["."]\n',
        "hang.py":
          "import os, subprocess, time\n" +
          "def get_requires_for_build_wheel(config_settings=None):\n" +
          "    child = subprocess.Popen(['sleep', '1000'])\n" +
          "    with open(os.environ['ENVFORGE_TEST_PIDFILE'], 'a') as f:\n" +
          "        f.write('%d\\n%d\\n' % (os.getpid(), child.pid))\n" +
          "    time.sleep(1000)\n" +
          "    return []\n",
      },
    });
    const pidFile = path.join(dir, "pids");
    const cacheDir = path.join(dir, "cache");
    const engine = createEngine({ cacheDir, plugins: [pipPlugin()] });
    const abort = new AbortController();
    const building = engine.build(
      { object: { python: { pip: ["envforge-hang==1.0"] } } },
      { target: "venv", signal: abort.signal, builderOptions: { pip: { findLinks: [sdists], noIndex: true, env: { ENVFORGE_TEST_PIDFILE: pidFile } } } },
    );
    const pids = await waitForPids(pidFile, 2);
    expect(processesUsing(cacheDir).length).toBeGreaterThan(0);
    abort.abort();
    const error = await failure(building);
    expect(error.code).toBe("E_ABORTED");
    expect(pids.filter(isRunning)).toEqual([]);
    expect(processesUsing(cacheDir)).toEqual([]);
    expect(existsSync(path.join(cacheDir, "v1", "entries"))).toBe(false);
  });
});
