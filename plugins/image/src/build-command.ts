// execa (about 80 ms to load) only when a process runs: commands that never start one do not pay for it.
import type { EnvforgeError } from "@envforge/core/plugin-kit";
import { BuildOutputTracker, type BuildOutputDialect } from "./build-output.js";
import type { ImageBuildRequest } from "./engine.js";

/** What an adapter's CLI wrapper gives to run its `build`: the program, its global flags, its environment. */
export interface BuildCli {
  readonly command: string;
  readonly globalArgs: readonly string[];
  readonly env: Record<string, string>;
  /** The error of a command that could not run at all (the program missing). */
  toError(cause: unknown, args: string[]): EnvforgeError;
}

/**
 * Runs an engine's `build` command with its output streamed line by line into the build log and
 * the dialect's tracker (which step ran, which came from the cache, where it failed). Cancelling
 * the request kills it. Returns whether it failed; the adapter turns a failure into its own error.
 */
export async function streamBuild(
  cli: BuildCli,
  args: string[],
  dialect: BuildOutputDialect,
  request: ImageBuildRequest,
  options: { env?: Record<string, string>; onLine?: (line: string) => void } = {},
): Promise<{ failed: boolean; tracker: BuildOutputTracker }> {
  const tracker = new BuildOutputTracker(dialect);
  const { execa } = await import("execa");
  const subprocess = execa(cli.command, [...cli.globalArgs, ...args], {
    env: { ...cli.env, ...options.env },
    all: true,
    buffer: false,
    reject: false,
    cancelSignal: request.signal,
    forceKillAfterDelay: 5000,
  });
  for await (const line of subprocess.iterable({ from: "all" })) {
    tracker.feed(line);
    options.onLine?.(line);
    request.log(line, "stdout");
  }
  const result = await subprocess;
  request.signal.throwIfAborted();
  if (result.failed && (result as { code?: string }).code === "ENOENT") throw cli.toError(result, args);
  return { failed: result.failed, tracker };
}

/** IDs an engine's listing command prints one per line (`image ls --quiet …`); a failure is the CLI's own error. */
export async function listIds(cli: BuildCli, args: string[], signal: AbortSignal | undefined, timeoutMs: number): Promise<string[]> {
  const { execa } = await import("execa");
  const listed = await execa(cli.command, [...cli.globalArgs, ...args], { env: cli.env, reject: false, cancelSignal: signal, timeout: timeoutMs });
  if (listed.failed) throw cli.toError(listed, args.slice(0, 1));
  return listed.stdout.split("\n").map((l) => l.trim()).filter(Boolean);
}
