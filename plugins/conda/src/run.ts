// execa (about 80 ms to load) only when a process runs: commands that never start one do not pay for it.

export interface RunContext {
  signal: AbortSignal;
  log(line: string, stream?: "stdout" | "stderr" | "info"): void;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Whether the process was stopped by the signal. */
  aborted: boolean;
}

export interface RunOptions {
  env?: Record<string, string> | undefined;
  /** `env` is the whole environment, not additions to the host's. */
  replaceEnv?: boolean | undefined;
  cwd?: string | undefined;
  /** Do not copy stdout into the build log (it is a lock or an export, read by the caller). */
  quietStdout?: boolean | undefined;
}

/**
 * Runs a tool, streaming each output line into the build log. The child leads its own process
 * group so that cancelling kills everything it started (conda runs post-link scripts, pip runs
 * build backends), not just the direct child.
 */
export async function runTool(file: string, args: readonly string[], ctx: RunContext, options: RunOptions = {}): Promise<RunResult> {
  ctx.log(`$ ${[file, ...args].map(shellQuote).join(" ")}`, "info");
  const lines = (stream: "stdout" | "stderr") =>
    function* (line: unknown) {
      if (stream === "stderr" || !options.quietStdout) ctx.log(String(line), stream);
      yield line;
    };
  const { execa } = await import("execa");
  const child = execa(file, args, {
    reject: false,
    detached: true,
    stdin: "ignore",
    stdout: lines("stdout"),
    stderr: lines("stderr"),
    env: options.env,
    extendEnv: !options.replaceEnv,
    cwd: options.cwd,
    cancelSignal: ctx.signal,
    forceKillAfterDelay: 5_000,
    stripFinalNewline: true,
  });
  const killGroup = () => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  ctx.signal.addEventListener("abort", killGroup, { once: true });
  try {
    const result = await child;
    return {
      exitCode: result.exitCode ?? -1,
      stdout: typeof result.stdout === "string" ? result.stdout : "",
      stderr: typeof result.stderr === "string" ? result.stderr : "",
      aborted: result.isCanceled || ctx.signal.aborted,
    };
  } finally {
    ctx.signal.removeEventListener("abort", killGroup);
  }
}

export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The last lines of a failed command's output, for the error a user sees first. */
export function tail(text: string, lines = 15): string {
  return text.split("\n").filter((l) => l.trim() !== "").slice(-lines).join("\n");
}
