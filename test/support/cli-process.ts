import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { expect } from "vitest";
import { CLI_BIN } from "./bundle.js";
import { repoRoot } from "./paths.js";


export interface CliExit {
  code: number | null;
  /** Set when the deadline killed it. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * The `envforge` binary — quick path first, then the full CLI — as users run it (bin/envforge.js
 * and the bundle, remade from the sources by the test run's global setup) in its own process,
 * SIGKILLed at `deadlineMs`: for what only a real process shows (a call blocked in the kernel,
 * exit codes, one warning per process).
 */
export function runCliProcess(args: string[], env: NodeJS.ProcessEnv = {}, deadlineMs = 60_000, cwd?: string): Promise<CliExit> {
  return startCliProcess(args, env, { deadlineMs, cwd }).exited;
}

/** It exited by itself (was not killed at the deadline), with this code. */
export function expectExit(run: CliExit, code: number): void {
  expect(run.signal, `killed at the deadline; stderr: ${run.stderr.slice(-2000)}`).toBeNull();
  expect(run.code, run.stderr.slice(-3000)).toBe(code);
}

export interface StartedCli {
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  /** Resolves when it exits (SIGKILLed at the deadline: `signal` is then set). */
  exited: Promise<CliExit>;
}

/**
 * The binary as in `runCliProcess`, returned while it runs: for tests that signal it, or that
 * close its stdout or stderr at once (`closeStdout`, `closeStderr`: the reader is gone before
 * anything is written, as `envforge cache ls | head -0` would leave it).
 */
export function startCliProcess(args: string[], env: NodeJS.ProcessEnv = {}, options: { deadlineMs?: number; closeStdout?: boolean; closeStderr?: boolean; cwd?: string | undefined } = {}): StartedCli {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd ?? path.join(repoRoot, "test"),
    env: { ...process.env, NO_COLOR: "1", ENVFORGE_DEBUG: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  if (options.closeStdout) child.stdout!.destroy();
  else child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  if (options.closeStderr) child.stderr!.destroy();
  else child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.deadlineMs ?? 60_000);
  const exited = new Promise<CliExit>((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Math.round(performance.now() - t0) });
    });
  });
  return { child, stderr: () => stderr, stdout: () => stdout, exited };
}
