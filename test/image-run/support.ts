import { spawn } from "node:child_process";
import type { Activation } from "@envforge/core/plugin-kit";

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `argv` the way a runner uses an image activation: `argvPrefix` + argv, no shell, with
 * `Activation.env` over this process's environment — the container engine CLI's own environment,
 * from which `--env NAME` takes each value. `started` gets the child to signal.
 */
export function runActivated(
  activation: Activation,
  argv: string[],
  options: { input?: string; hostEnv?: NodeJS.ProcessEnv; started?: (kill: (signal: NodeJS.Signals) => void) => void } = {},
): Promise<Ran> {
  const [command, ...args] = [...activation.argvPrefix!, ...argv];
  return new Promise((resolve, reject) => {
    const child = spawn(command!, args, {
      env: { ...(options.hostEnv ?? process.env), ...activation.env },
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    if (options.input !== undefined) child.stdin!.end(options.input);
    options.started?.((signal) => child.kill(signal));
  });
}

/** Arguments a shell would expand, split or run: each must reach the command as written. */
export const LITERAL_ARGS = ["a b", "$HOME", "`id`", "$(echo no)", "*", "'single'", '"double"', ";", "|", "&&", "\\n", "-e", "--rm", ""];

/** A command printing each of its arguments as `[ARG]` on its own line. */
export const PRINT_ARGS = ["sh", "-c", 'for a in "$@"; do printf "[%s]\\n" "$a"; done', "print-args"];
