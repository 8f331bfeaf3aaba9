import type { EngineEvent } from "@envforge/core/plugin-kit";
import type { CliIO } from "./io.js";
import { createLiveView } from "./live-view.js";

/** `--progress`: how events are shown on stderr. */
export const PROGRESS_STYLES = ["auto", "tty", "plain", "json"] as const;
export type ProgressStyle = (typeof PROGRESS_STYLES)[number];

/** `live`: the terminal view (live-view.ts); `plain`: one line per event, no control codes. */
export type RenderMode = "live" | "plain" | "json" | "quiet";

/**
 * `--json` (the result as JSON on stdout, events as JSON lines) and `--quiet` come first; then
 * `--progress`: `tty` the live view, `plain` lines, `json` JSON lines; `auto` (the default) the
 * live view when stderr is a terminal, else plain lines.
 */
export function renderMode(io: CliIO, flags: { json?: boolean | undefined; quiet?: boolean | undefined; progress?: string | undefined }): RenderMode {
  if (flags.json) return "json";
  if (flags.quiet) return "quiet";
  if (flags.progress === "json") return "json";
  if (flags.progress === "plain") return "plain";
  if (flags.progress === "tty") return "live";
  return io.isTTY ? "live" : "plain";
}

/**
 * Renders engine events on stderr: the live view on a terminal, plain lines in a pipe, JSON lines
 * (each event as core emitted it, `time` included) with `--json` or `--progress=json`. Control
 * codes never go into a pipe unless `--progress=tty` asks for them.
 */
export function createRenderer(io: CliIO, mode: RenderMode): (event: EngineEvent) => void {
  if (mode === "live") return createLiveView(io, { color: !io.env.NO_COLOR });
  // Plain lines: words only (colour belongs to the live view).
  const plain = (s: string) => s;
  const [dim, yellow, green, red] = [plain, plain, plain, plain];
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
        io.err(`${yellow("cache miss")} ${event.target}\n`);
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
