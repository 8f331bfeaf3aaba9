import type { EngineEvent } from "@envforge/core";
import pc from "picocolors";
import type { CliIO } from "./io.js";

export type RenderMode = "pretty" | "plain" | "json" | "quiet";

export function renderMode(io: CliIO, flags: { json?: boolean; quiet?: boolean }): RenderMode {
  if (flags.json) return "json";
  if (flags.quiet) return "quiet";
  return io.isTTY && !io.env.NO_COLOR ? "pretty" : "plain";
}

/**
 * Renders engine events on stderr: coloured lines on a terminal, plain lines in a pipe, JSON lines
 * with `--json` (stdout then carries only the result). Control codes never go into a pipe.
 */
export function createRenderer(io: CliIO, mode: RenderMode): (event: EngineEvent) => void {
  const color = mode === "pretty";
  const dim = color ? pc.dim : (s: string) => s;
  const yellow = color ? pc.yellow : (s: string) => s;
  const green = color ? pc.green : (s: string) => s;
  const red = color ? pc.red : (s: string) => s;
  return (event) => {
    if (mode === "quiet") {
      if (event.type === "warning") io.err(`warning ${event.code}: ${event.message}\n`);
      return;
    }
    if (mode === "json") {
      io.err(`${JSON.stringify(event)}\n`);
      return;
    }
    switch (event.type) {
      case "warning": {
        const where = event.location ? `${event.location.file}:${event.location.line}:${event.location.column}: ` : "";
        io.err(`${yellow("warning")} ${where}${event.code}: ${event.message}\n`);
        if (event.hint) io.err(dim(`  hint: ${event.hint}\n`));
        break;
      }
      case "cache.hit":
        io.err(`${green("cache hit")} ${event.target} ${dim(`(${event.store}, generation ${event.generation})`)}\n`);
        break;
      case "cache.miss":
        io.err(`${yellow("cache miss")} ${event.target}: building\n`);
        break;
      case "lock.wait": {
        const who = event.holder ? `pid ${event.holder.pid} on ${event.holder.host} since ${event.holder.since}` : "another process";
        io.err(`${yellow("waiting")} for the build lock of ${event.target} ${event.hash}: held by ${who} (taken over if not refreshed for ${event.staleMs / 1000} s)\n`);
        break;
      }
      case "build.start":
        io.err(dim(`build ${event.target} ${event.hash}\n`));
        break;
      case "build.finish":
        io.err(`${event.ok ? green("built") : red("build failed")} ${event.target} in ${(event.durationMs / 1000).toFixed(1)} s\n`);
        break;
      case "log":
        io.err(dim(`  │ ${event.line}\n`));
        break;
      default:
        break;
    }
  };
}
