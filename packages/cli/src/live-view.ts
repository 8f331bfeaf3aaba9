import type { EngineEvent, StageName } from "@envforge/core/plugin-kit";
import pc from "picocolors";
import type { CliIO } from "./io.js";

/** Stages before the lookup: shown as one line, and only once a lookup follows (not for `hash`). */
const RESOLVE_STAGES: ReadonlySet<StageName> = new Set(["load", "parse", "validate", "canonicalize", "hash"]);
const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const FRAME_MS = 100;
/** Output lines of the running step kept under it. */
const OUTPUT_LINES = 3;
const ESC = "\x1b[";

/** `850 ms`, `12.3 s`, `2m 05s`. */
export function elapsed(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
}

interface Running {
  label: string;
  started: number;
}

interface BuildView extends Running {
  step?: Running | undefined;
  output: string[];
}

/**
 * The terminal view of a command's events (`--progress=tty`, or `auto` on a terminal): finished
 * work as permanent lines (each with its elapsed time), and below them a live region — the stage
 * that is running, its current step (a command a builder runs: an info log line `$ …`) and the
 * step's last output lines, with a spinner and elapsed times — redrawn in place while anything
 * runs and erased as soon as nothing does, so the final screen holds no spinner. Plain lines and
 * JSON lines are render.ts's; this is only for a TTY.
 */
export function createLiveView(io: CliIO, options: { color: boolean; columns?: number | undefined }): (event: EngineEvent) => void {
  const c = options.color ? pc : { dim: id, green: id, yellow: id, red: id, cyan: id, bold: id };
  const width = () => Math.max(20, (options.columns ?? (process.stderr.columns || Number(io.env.COLUMNS) || 100)) - 1);
  let drawn = 0;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const resolving: { stage: StageName; ms: number }[] = [];
  let resolveRunning: Running | undefined;
  let lookup: (Running & { outcome?: string | undefined }) | undefined;
  let build: BuildView | undefined;
  let store: Running | undefined;

  const fit = (line: string, indent = 0): string => {
    const max = width() - indent;
    return line.length > max ? `${line.slice(0, Math.max(1, max - 1))}…` : line;
  };
  const erase = (): string => (drawn > 0 ? `${ESC}${drawn}A\r${ESC}J` : "");
  const region = (): string[] => {
    const now = Date.now();
    const spin = c.cyan(SPINNER[frame % SPINNER.length]!);
    const lines: string[] = [];
    if (resolveRunning) lines.push(`${spin} ${resolveRunning.label} ${c.dim(elapsed(now - resolveRunning.started))}`);
    if (lookup) lines.push(`${spin} ${fit(lookup.label, 12)} ${c.dim(elapsed(now - lookup.started))}`);
    if (build) {
      lines.push(`${spin} ${fit(build.label, 12)} ${c.dim(elapsed(now - build.started))}`);
      if (build.step) lines.push(`  └ ${fit(build.step.label, 16)} ${c.dim(elapsed(now - build.step.started))}`);
      for (const out of build.output) lines.push(c.dim(`    │ ${fit(out, 6)}`));
    }
    if (store) lines.push(`${spin} ${store.label} ${c.dim(elapsed(now - store.started))}`);
    return lines;
  };
  const running = () => Boolean(resolveRunning || lookup || build || store);
  /** Permanent lines (may be empty) above a fresh region, in one write. */
  const paint = (permanent: string[] = []) => {
    const lines = running() ? region() : [];
    const text = erase() + permanent.map((l) => `${l}\n`).join("") + lines.map((l) => `${l}\n`).join("");
    drawn = lines.length;
    if (text) io.err(text);
    if (running() && !timer) {
      timer = setInterval(() => {
        frame++;
        paint();
      }, FRAME_MS);
      timer.unref(); // never what keeps the process alive
    } else if (!running() && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  const done = (text: string) => `${c.green("✓")} ${text}`;
  const flushResolve = (): string[] => {
    if (resolving.length === 0) return [];
    const parts = resolving.map((r) => `${r.stage} ${elapsed(r.ms)}`);
    resolving.length = 0;
    return [done(parts.join(c.dim(" · ")))];
  };
  const endStep = (): string[] => {
    if (!build?.step) return [];
    const line = `  ${c.green("✓")} ${fit(build.step.label, 16)} ${c.dim(elapsed(Date.now() - build.step.started))}`;
    build.step = undefined;
    return [line];
  };

  return (event) => {
    const at = event.time ?? Date.now();
    switch (event.type) {
      case "stage.start":
        if (RESOLVE_STAGES.has(event.stage)) {
          resolveRunning = { label: event.stage, started: at };
          paint();
        } else if (event.stage === "lookup") {
          lookup = { label: `lookup ${event.target ?? ""}`.trim(), started: at };
          paint(flushResolve());
        } else if (event.stage === "store") {
          store = { label: `store ${event.target ?? ""}`.trim(), started: at };
          paint();
        }
        break;
      case "stage.finish":
        if (RESOLVE_STAGES.has(event.stage)) {
          // A build hashes its parsed definition again: one figure per stage.
          const seen = resolving.find((r) => r.stage === event.stage);
          if (seen) seen.ms += event.durationMs;
          else resolving.push({ stage: event.stage, ms: event.durationMs });
          resolveRunning = undefined;
          paint();
        } else if (event.stage === "lookup" && lookup) {
          const line = done(`lookup ${c.dim(elapsed(event.durationMs))}${lookup.outcome ? `: ${lookup.outcome}` : ""}`);
          lookup = undefined;
          paint([line]);
        } else if (event.stage === "build") {
          paint(endStep()); // the builder returned: its last step is over, storing is not one
        } else if (event.stage === "store" && store) {
          const line = done(`${store.label} ${c.dim(elapsed(event.durationMs))}`);
          store = undefined;
          paint([line]);
        }
        break;
      case "cache.hit": {
        const outcome = `${c.green("cache hit")} ${event.target} ${c.dim(`(${event.store}, generation ${event.generation})`)}`;
        if (lookup) lookup.outcome = outcome;
        else paint([...flushResolve(), done(outcome)]);
        break;
      }
      case "cache.miss":
        if (lookup) lookup.outcome = `${c.yellow("cache miss")} ${event.target}`;
        break;
      case "build.start":
        build = { label: `build ${event.target}`, started: at, output: [] };
        paint(flushResolve());
        break;
      case "build.finish": {
        const lines = endStep();
        const took = elapsed(event.durationMs);
        lines.push(event.ok ? done(`build ${event.target} ${c.dim(took)}`) : `${c.red("✗")} build ${event.target} ${c.red(`failed after ${took}`)}`);
        build = undefined;
        paint(lines);
        break;
      }
      case "log":
        if (!build) paint([c.dim(`  │ ${printable(event.line)}`)]);
        else if (event.stream === "info" && !event.line.startsWith("$ ")) paint([...endStep(), c.dim(`  · ${fit(printable(event.line), 4)}`)]);
        else if (event.stream === "info") {
          const lines = endStep();
          build.step = { label: printable(event.line), started: at };
          build.output = [];
          paint(lines);
        } else {
          build.output = [...build.output, printable(event.line)].slice(-OUTPUT_LINES);
          paint();
        }
        break;
      case "lock.wait": {
        const who = event.holder ? `pid ${event.holder.pid} on ${event.holder.host} since ${event.holder.since}` : "another process";
        paint([`${c.yellow("waiting")} for the build lock of ${event.target} ${event.hash}: held by ${who}`]);
        break;
      }
      case "warning": {
        const where = event.location ? `${event.location.file}:${event.location.line}:${event.location.column}: ` : "";
        paint([`${c.yellow("warning")} ${where}${event.code}: ${event.message}`, ...(event.hint ? [c.dim(`  hint: ${event.hint}`)] : [])]);
        break;
      }
      default:
        break;
    }
  };
}

/** A tool's line without what would move the cursor or recolour the view (escapes, carriage returns). */
function printable(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/[\x00-\x1f\x7f]/g, " ");
}

function id(s: string): string {
  return s;
}
