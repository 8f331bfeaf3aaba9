import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/engine.js";
import { isRunning } from "../support/hang-plugin.js";
import { startCliProcess } from "../support/cli-process.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeSdist } from "../support/wheels.js";
import { runCli } from "./support.js";

/**
 * Ctrl-C and SIGTERM during a real `envforge build` (its own process, the binary's quick path
 * then the full CLI): the build is stopped, what it started is ended, nothing is cached, and the
 * CLI exits 128 + the signal's number (130, 143) — not 2, the code of a failed build.
 *
 * The build hangs for real: pip builds an sdist whose build backend (a grandchild of the CLI, in
 * pip's process group) writes its pid and sleeps. Only the CLI's own pid is signalled, as a
 * supervisor (`kill`, systemd, CI runners) would: ending pip and the backend is the CLI's job.
 */
const probe = spawnSync("python3", ["-c", "import venv, ensurepip"], { encoding: "utf8" });
const reason = probe.status === 0 ? undefined : "python3 with the venv and ensurepip modules is not installed";
if (reason && inCI) throw new Error("signal tests need python3 with venv and ensurepip in CI");
warnSkip("CLI signal tests", reason);

let root: string;
let sdists: string;
const pidFile = () => path.join(root, "backend.pid");

beforeAll(async () => {
  root = await tempDir("envforge-signals-");
  sdists = path.join(root, "sdists");
  // The backend records its pid where the test looks, then hangs in get_requires_for_build_wheel.
  await makeSdist(sdists, {
    name: "envforge-hangs",
    version: "1.0",
    files: {
      "pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "hang"\nbackend-path = ["."]\n',
      "hang.py":
        "import os, time\n" +
        "def get_requires_for_build_wheel(config_settings=None):\n" +
        `    with open(${JSON.stringify(pidFile())}, 'w') as f:\n` +
        "        f.write(str(os.getpid()))\n" +
        "    time.sleep(600)\n" +
        "    return []\n",
    },
  });
});

afterAll(() => {
  // A backend a failed assertion left behind must not outlive the test run.
  const pid = existsSync(pidFile()) ? Number(readFileSync(pidFile(), "utf8")) : 0;
  if (pid > 0 && isRunning(pid)) process.kill(pid, "SIGKILL");
});

/** Processes still running whose command line or working directory is under `dir` (pip, the venv's python, a backend). */
function processesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      let cwd = "";
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // Another user's process: its command line is enough.
      }
      if ((cmdline.includes(dir) || cwd.startsWith(dir)) && isRunning(Number(pid))) found.push(`${pid}: ${cmdline}`);
    } catch {
      // Gone while listing.
    }
  }
  return found;
}

async function waitForBackend(stderr: () => string): Promise<number> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const text = existsSync(pidFile()) ? readFileSync(pidFile(), "utf8") : "";
    if (text !== "") return Number(text);
    if (Date.now() > deadline) throw new Error(`the build backend never started; stderr: ${stderr().slice(-2000)}`);
    await sleep(100);
  }
}

describe.skipIf(reason !== undefined)(titleWithReason("envforge build, interrupted", reason), () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s: the build and every process it started are ended, nothing is cached, exit %i", { timeout: 150_000 }, async (signal, code) => {
    const dir = await tempDir("envforge-signal-def-");
    const file = path.join(dir, "env.yaml");
    writeFileSync(file, "python:\n  pip:\n    - envforge-hangs==1.0\n");
    const cache = path.join(dir, "cache");
    if (existsSync(pidFile())) writeFileSync(pidFile(), "");
    const cli = startCliProcess(["build", file, "--cache-dir", cache, "--no-index", "--find-links", sdists], {}, { deadlineMs: 120_000 });
    const backend = await waitForBackend(cli.stderr);
    expect(isRunning(backend)).toBe(true);
    cli.child.kill(signal);
    const run = await cli.exited;
    expect(run.signal, `killed at the deadline; stderr: ${run.stderr.slice(-2000)}`).toBeNull();
    expect(run.code, run.stderr.slice(-3000)).toBe(code);
    expect(run.stderr).toContain(`interrupted (${signal})`);
    expect(run.stderr, "no stack trace").not.toMatch(/\n\s+at .+:\d+:\d+/);
    // Cleanup happened before the exit: the backend (pip's child) is gone already, not later.
    expect(isRunning(backend), "the build backend outlived the CLI").toBe(false);
    expect(processesUnder(cache), "processes of the build still running").toEqual([]);
    const listed = await runCli(["cache", "ls", "--json", "--cache-dir", cache]);
    expect(JSON.parse(listed.stdout)).toEqual([]);
    // No partial artifact was left behind either.
    const artifacts = path.join(cache, "v1", "artifacts", "venv");
    expect(existsSync(artifacts) ? readdirSync(artifacts) : []).toEqual([]);
  });
});
