import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const testDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface TsChild {
  child: ChildProcess;
  pid: number;
  /** Every stdout line parsed as JSON (non-JSON lines are kept as `{ type: "text", line }`). */
  lines: Array<Record<string, unknown>>;
  stderr: () => string;
  /** Resolves with the first line whose `type` matches (or undefined if the child exits first). */
  waitFor(type: string): Promise<Record<string, unknown> | undefined>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs a TypeScript file of the test tree in a new Node process, resolving workspace packages to
 * their sources (`--conditions=source`) as vitest does. stdout is read as JSON lines.
 */
export function spawnTs(file: string, args: string[], env: NodeJS.ProcessEnv = {}): TsChild {
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", file, ...args], {
    cwd: testDir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<{ type: string; resolve: (line: Record<string, unknown> | undefined) => void }> = [];
  let buffer = "";
  let err = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        line = { type: "text", line: text };
      }
      lines.push(line);
      for (const w of waiters.filter((x) => x.type === line.type)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    err += chunk.toString();
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => {
      for (const w of waiters.splice(0)) w.resolve(undefined);
      resolve({ code, signal });
    });
  });
  return {
    child,
    pid: child.pid!,
    lines,
    stderr: () => err,
    waitFor: (type) => {
      const seen = lines.find((l) => l.type === type);
      if (seen) return Promise.resolve(seen);
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(undefined);
      return new Promise((resolve) => waiters.push({ type, resolve }));
    },
    exited,
  };
}

/** The reliability child (a build process) as a path for `spawnTs`. */
export const reliabilityChild = path.join(testDir, "support", "reliability-child.ts");
