import { execa } from "execa";

/**
 * Wall time of one whole process, in ms, as the parent sees it (start to exit); its output is not
 * kept. A failed process fails the measurement (a fast error is no figure), with its last words.
 */
export async function processMs(file: string, args: readonly string[], env?: Record<string, string>): Promise<number> {
  const started = performance.now();
  const run = await execa(file, args, { env, stdout: "ignore", stderr: "pipe", reject: false });
  const ms = performance.now() - started;
  if (run.exitCode !== 0) throw new Error(`${[file, ...args].join(" ")}: exit ${run.exitCode ?? run.signal}: ${run.stderr.slice(-500)}`);
  return ms;
}
