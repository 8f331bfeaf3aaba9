import { execFileSync, spawnSync } from "node:child_process";
import { cpSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectExit, runCliProcess } from "../support/cli-process.js";
import { tempDir } from "../support/engine.js";
import { repoRoot } from "../support/paths.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { runCli } from "./support.js";

/**
 * `--progress`: on a terminal a live view of stages and steps with elapsed times (live-view.ts),
 * plain lines in a pipe, JSON lines (each event stamped with `time`) on request. The live view is
 * watched on a real pseudo-terminal: the binary (from the sources) runs inside tmux.
 */

const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const hasVenv = spawnSync("python3", ["-c", "import venv, ensurepip"]).status === 0;
const reason = !hasTmux ? "tmux is not installed (apt-get install -y tmux)" : !hasVenv ? "python3 with venv/ensurepip is not installed" : undefined;
warnSkip("the live progress view on a terminal", reason);

const ESC = "\x1b";
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
const ELAPSED = /\d+(\.\d)? s\b|\d+ ms\b/;
// tsx's loader by its full path: the session's working folder (a temp dir) cannot resolve it.
const TSX = pathToFileURL(createRequire(path.join(repoRoot, "test", "package.json")).resolve("tsx/esm")).href;
const CHILD = path.join(repoRoot, "test", "support", "cli-child.ts");

let dir: string;
const socket = `envforge-progress-${process.pid}`;
const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });

beforeAll(async () => {
  dir = await tempDir("envforge-progress-");
  cpSync(path.join(repoRoot, "examples", "hello"), dir, { recursive: true });
});

afterAll(() => {
  // Only the tmux server this file started (its own socket).
  if (hasTmux) spawnSync("tmux", ["-L", socket, "kill-server"]);
});

describe.skipIf(reason !== undefined && !inCI)(titleWithReason("--progress on a terminal (tmux)", reason), () => {
  it("shows stages and steps live with elapsed times, and leaves no spinner on the final screen", { timeout: 240_000 }, async () => {
    const cacheDir = path.join(dir, "tty-cache");
    const command = [
      process.execPath, "--conditions=source", "--import", TSX, CHILD,
      "build", "env.yaml", "--cache-dir", cacheDir, "--find-links", "wheels", "--no-index",
    ].map((a) => `'${a}'`).join(" ");
    tmux("new-session", "-d", "-x", "120", "-y", "40", "-s", "live", "-c", dir, `env -u NO_COLOR ${command}; echo "EXIT=$?"; sleep 600`);
    let sawLive = false;
    let screen = "";
    const deadline = Date.now() + 200_000;
    while (Date.now() < deadline) {
      screen = tmux("capture-pane", "-p", "-t", "live");
      if (/EXIT=\d+/.test(screen)) break;
      // The live region: a spinner beside a running stage and its elapsed time.
      if (screen.split("\n").some((l) => SPINNER.test(l) && ELAPSED.test(l))) sawLive = true;
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(screen, screen).toMatch(/EXIT=0/);
    expect(sawLive, "a live line with a spinner and an elapsed time was on screen while it built").toBe(true);
    for (const stage of ["load", "parse", "validate", "hash", "lookup", "build venv", "store"]) expect(screen).toContain(stage);
    expect(screen).toMatch(/✓ build venv \d+(\.\d)? m?s/);
    expect(screen).toMatch(/✓ .*-m venv .* \d+(\.\d)? s|✓ .*-m venv .* \d+ ms/); // a step, with its time
    expect(screen).toContain("cache miss venv");
    expect(screen, "no spinner left behind").not.toMatch(SPINNER);
    expect(screen).toContain("status: built (generation 1)");
  });
});

describe("--progress in a pipe and as JSON", () => {
  it.skipIf(!hasVenv && !inCI)("auto in a pipe: plain lines without escape codes, in a real process", { timeout: 240_000 }, async () => {
    const run = await runCliProcess(["build", path.join(dir, "env.yaml"), "--cache-dir", path.join(dir, "pipe-cache"), "--find-links", path.join(dir, "wheels"), "--no-index"], { NO_COLOR: "" });
    expectExit(run, 0);
    expect(run.stderr).toContain("cache miss venv");
    expect(run.stderr).toMatch(/built venv in \d+\.\d s/);
    expect(run.stderr + run.stdout, "no control codes in a pipe").not.toContain(ESC);
  });

  it("json: every event a JSON line stamped with its time; tty: the live view even without a terminal", async () => {
    const cacheDir = path.join(dir, "json-cache");
    const json = await runCli(["build", "--dry-run", "env.yaml", "--cache-dir", cacheDir, "--progress=json"], { cwd: dir });
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).toContain("status: would build"); // stdout keeps the human summary
    const events = json.stderr.trim().split("\n").map((l) => JSON.parse(l) as { type: string; time: number });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["stage.start", "stage.finish", "cache.miss"]));
    for (const e of events) expect(typeof e.time).toBe("number");
    expect(events.map((e) => e.time)).toEqual([...events.map((e) => e.time)].sort((a, b) => a - b));

    const tty = await runCli(["build", "--dry-run", "env.yaml", "--cache-dir", cacheDir, "--progress", "tty"], { cwd: dir });
    expect(tty.code, tty.stderr).toBe(0);
    expect(tty.stderr).toMatch(new RegExp(`${ESC}\\[\\d+A\r${ESC}\\[J`)); // the region is redrawn in place
    // Colours depend on the environment (NO_COLOR, set by some runners): read the words without them.
    expect(tty.stderr.replace(new RegExp(`${ESC}\\[[0-9;]*m`, "g"), "")).toMatch(/✓ lookup \d+ ms: cache miss venv/);
    const plain = await runCli(["build", "--dry-run", "env.yaml", "--cache-dir", cacheDir, "--progress", "plain"], { cwd: dir });
    expect(plain.stderr).not.toContain(ESC);
    const bad = await runCli(["build", "--dry-run", "env.yaml", "--progress", "sparkly"], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("auto, tty, plain, json");
  });
});
