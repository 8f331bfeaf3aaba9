// execa (about 80 ms to load) only when a process runs: commands that never start one do not pay for it.

/** What a run needs from the build: cancellation and a place for output lines. */
export interface RunContext {
  signal: AbortSignal;
  log(line: string, stream?: "stdout" | "stderr" | "info"): void;
}

export interface RunOptions {
  env: Record<string, string>;
  cwd?: string | undefined;
  /** Applied to every line before it is logged or kept in the tail. */
  redact: (line: string) => string;
  /** Lines of output kept for an error message. */
  tailLines?: number;
}

export interface RunResult {
  exitCode: number | undefined;
  /** Last lines of stdout and stderr, interleaved as they came, redacted. */
  tail: string[];
  stdout: string;
  failed: boolean;
  /** The process could not be started (`ENOENT`: no such program). */
  spawnError?: string | undefined;
}

const KILL_GRACE_MS = 3000;

// Process groups still running, so they can be killed if the host exits first (a detached
// group would otherwise outlive it).
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function trackGroup(pid: number): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const group of liveGroups) killGroup(group, "SIGKILL");
    });
  }
  liveGroups.add(pid);
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Runs a program, streaming each output line to the build log as it arrives. The program gets its
 * own process group, so cancelling the build stops everything it started (pip runs build
 * backends and VCS clients as children), first with SIGTERM, then SIGKILL.
 */
export async function runLogged(file: string, args: readonly string[], ctx: RunContext, options: RunOptions): Promise<RunResult> {
  const keep = options.tailLines ?? 40;
  const tail: string[] = [];
  const sink = (stream: "stdout" | "stderr") =>
    function* (line: unknown) {
      const clean = options.redact(String(line));
      ctx.log(clean, stream);
      tail.push(clean);
      if (tail.length > keep) tail.shift();
      yield line;
    };
  const { execa } = await import("execa");
  const subprocess = execa(file, args, {
    env: options.env,
    extendEnv: false,
    cwd: options.cwd,
    stdin: "ignore",
    stdout: sink("stdout"),
    stderr: sink("stderr"),
    reject: false,
    detached: true,
    cancelSignal: ctx.signal,
    forceKillAfterDelay: KILL_GRACE_MS,
  });
  const pid = subprocess.pid;
  // execa signals the leader (SIGTERM, SIGKILL after the grace period); the group gets the same.
  const onAbort = () => {
    if (pid !== undefined) killGroup(pid, "SIGTERM");
  };
  if (pid !== undefined) trackGroup(pid);
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  try {
    const result = await subprocess;
    const spawnError = result.failed && result.exitCode === undefined && !result.isCanceled ? result.shortMessage : undefined;
    return { exitCode: result.exitCode, tail, stdout: String(result.stdout ?? ""), failed: result.failed, spawnError };
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
    if (pid !== undefined) {
      liveGroups.delete(pid);
      // Children that outlived a cancelled leader are still in its group.
      if (ctx.signal.aborted) killGroup(pid, "SIGKILL");
    }
  }
}

/** Runs a program to completion and returns its stdout (short helpers: probes, freeze). */
export async function runQuiet(
  file: string,
  args: readonly string[],
  ctx: Pick<RunContext, "signal">,
  env: Record<string, string>,
): Promise<{ ok: boolean; stdout: string; stderr: string; notFound: boolean; message: string }> {
  const { execa } = await import("execa");
  const result = await execa(file, args, {
    env,
    extendEnv: false,
    stdin: "ignore",
    reject: false,
    cancelSignal: ctx.signal,
    forceKillAfterDelay: KILL_GRACE_MS,
  });
  const notFound = (result as { code?: string }).code === "ENOENT" || /ENOENT/.test(result.shortMessage ?? "");
  return {
    ok: !result.failed,
    stdout: String(result.stdout ?? ""),
    stderr: String(result.stderr ?? ""),
    notFound,
    message: result.shortMessage ?? "",
  };
}
