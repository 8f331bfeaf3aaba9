import { main, quickBuild, type CliIO } from "@envforge/cli";
import type { EnginePlugin } from "@envforge/core/plugin-kit";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

type RunOptions = { cwd?: string; env?: NodeJS.ProcessEnv; plugins?: EnginePlugin[] };

function capture(options: RunOptions): { io: CliIO; out: () => { stdout: string; stderr: string } } {
  let stdout = "";
  let stderr = "";
  const io: CliIO = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    isTTY: false,
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ENVFORGE_DEBUG: "", ...options.env },
  };
  return { io, out: () => ({ stdout, stderr }) };
}

/** Runs the CLI in this process with captured output (the same `main` the binary calls). */
export async function runCli(args: string[], options: RunOptions = {}): Promise<CliRun> {
  const { io, out } = capture(options);
  const code = await main(args, { io, plugins: options.plugins });
  return { code, ...out() };
}

/** What the binary's quick path answers before loading the CLI: `undefined` when it leaves it to `main`. */
export async function runQuick(args: string[], options: RunOptions = {}): Promise<CliRun | undefined> {
  const { io, out } = capture(options);
  const code = await quickBuild(args, io);
  return code === undefined ? undefined : { code, ...out() };
}
