import { main, type CliIO } from "@envforge/cli";
import type { EnginePlugin } from "@envforge/core";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process with captured output (the same `main` the binary calls). */
export async function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; plugins?: EnginePlugin[] } = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    isTTY: false,
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ENVFORGE_DEBUG: "", ...options.env },
  };
  const code = await main(args, { io, plugins: options.plugins });
  return { code, stdout, stderr };
}
