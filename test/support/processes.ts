import { spawn } from "node:child_process";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (test support only: product code goes through execa). */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; allowFailure?: boolean; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const input = options.input;
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = options.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), options.timeoutMs) : undefined;
    child.on("error", (e) => {
      clearTimeout(timer);
      if (options.allowFailure) resolve({ code: 127, stdout, stderr: String(e) });
      else reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const result = { code: code ?? -1, stdout, stderr };
      if (code !== 0 && !options.allowFailure) {
        reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${stderr.slice(-2000)}`));
      } else resolve(result);
    });
    if (input !== undefined && child.stdin) {
      child.stdin.on("error", () => undefined); // the command may exit before reading its input
      child.stdin.end(input);
    }
  });
}

export async function commandExists(command: string): Promise<boolean> {
  const r = await run("sh", ["-c", `command -v "$1"`, "sh", command], { allowFailure: true });
  return r.code === 0;
}
