import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { BuildContext, EnginePlugin } from "@envforge/core/plugin-kit";
import { execa } from "execa";
import { z } from "zod";

/**
 * A builder that runs a hanging external tool: `sh` starting two `sleep 1000`s and waiting on them
 * (the shape of a tool that forks helpers). Builder options (`builderOptions.hang`):
 * - `pidFile`: the shell and both sleeps append their pids there;
 * - `mode`: "cancel" passes the build's signal to execa (a well-behaved builder, which still only
 *   kills `sh`, not the sleeps it forked); "ignore" never passes it; "stuck" never even settles;
 *   "quick" finishes at once (to show the key is usable again afterwards).
 * Tools run with the build's work folder as their working directory, as BuildContext asks.
 */
export const HANG = "hang";
export const HANG_TARGET = "hang";

export interface HangOptions {
  pidFile?: string;
  mode?: "cancel" | "ignore" | "stuck" | "quick";
}

export function hangPlugin(): EnginePlugin {
  return {
    name: HANG,
    apply(engine) {
      engine.hooks.schema.tap(HANG, (schema) =>
        schema.field({ path: HANG, section: HANG, schema: z.object({ id: z.string() }), description: "hang probe (tests only)" }),
      );
      engine.hooks.parseSection.for(HANG).tap(HANG, (fields) => fields[HANG]);
      engine.hooks.canonicalizeSection.for(HANG).tap(HANG, (parsed) => ({ id: (parsed as { id: string }).id }));
      engine.hooks.build.for(HANG_TARGET).tapPromise(HANG, (ctx) => buildHang(ctx));
    },
  };
}

export const hangSpec = (id: string) => ({ object: { hang: { id } } });

async function buildHang(ctx: BuildContext) {
  const options = (ctx.options[HANG] ?? {}) as HangOptions;
  await mkdir(ctx.artifactDir, { recursive: true });
  await writeFile(path.join(ctx.artifactDir, "started"), "");
  if (options.mode === "quick") return { artifact: { kind: "hang", path: ctx.artifactDir } };
  if (options.mode === "stuck") await new Promise(() => undefined);
  const script = 'echo $$ >> "$0"; sleep 1000 & echo $! >> "$0"; sleep 1000 & echo $! >> "$0"; wait';
  await execa("sh", ["-c", script, options.pidFile ?? "/dev/null"], {
    cwd: ctx.workDir,
    cancelSignal: options.mode === "cancel" ? ctx.signal : undefined,
  });
  return { artifact: { kind: "hang", path: ctx.artifactDir } };
}

/** Pids written to a pid file so far. */
export function pidsIn(file: string): number[] {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map(Number);
  } catch {
    return [];
  }
}

/** Whether a process still runs (a zombie, dead but not yet reaped, counts as gone). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}
