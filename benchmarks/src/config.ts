import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { TARGETS, type Thresholds } from "./targets.js";

/** Where this package lives (src/ or dist/ alike: both sit one level below it). */
export const benchRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const repoRoot = path.resolve(benchRoot, "..");
/** Tracked: written only with `--update-docs`. */
export const trackedResultsDir = path.join(benchRoot, "results");
export const performanceDoc = path.join(benchRoot, "PERFORMANCE.md");
/** Git-ignored: default results and the filled stores of full runs. */
export const outRoot = path.join(benchRoot, "out");

export const SUITES = ["hash", "cache", "process", "scaling", "miss"] as const;
export type SuiteName = (typeof SUITES)[number];

export interface BenchConfig {
  suites: SuiteName[];
  /** Rounds per case; figures are medians over rounds. */
  rounds: number;
  /** Time budget of one task in one round (ms). */
  timeMs: number;
  warmupMs: number;
  /** Local cache sizes for the cache suite. */
  cacheSizes: number[];
  /** Requirement counts for the scaling suite. */
  scalingSizes: number[];
  /** p-limit concurrencies for concurrent cached builds. */
  concurrency: number[];
  /** Fresh processes per process-level measurement. */
  processRuns: number;
  /** Filled caches and scratch files (reused across runs: filling 1M entries takes minutes). */
  workDir: string;
  /** Set when the work dir is the run's own temporary folder, removed at the end. */
  workDirIsTemporary: boolean;
  /** Where results.json, results.md and chart.svg go. */
  outDir: string;
  /** Tiny counts for the smoke test: everything runs, nothing is meaningful. */
  smoke: boolean;
  /** Docker comparison: "auto" uses a reachable daemon, "off" skips. */
  docker: "auto" | "off";
  /** The user's own definitions (`--spec`), absolute paths. */
  specs: string[];
  /** The user's cache store module (`--store`), an absolute path. */
  store: string | undefined;
  /** `--target ID=VALUE` overrides of the targets' thresholds. */
  targets: Thresholds;
  /** `--no-targets`: measure and report, but an unmet target does not fail the run. */
  enforceTargets: boolean;
  /** `--update-docs`: also rewrite benchmarks/results/* and benchmarks/PERFORMANCE.md. */
  updateDocs: boolean;
  log(line: string): void;
}

/** A path as the results show it: relative to the current folder when inside it, else absolute. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel === "" || rel.startsWith("..") || path.isAbsolute(rel) ? file : rel;
}

/** A command line the runner refuses: printed as one line (no stack), exit status 1. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * node:util parseArgs in strict mode rather than commander: the runner has one command and a
 * dozen flags, parseArgs ships with Node (commander is a dependency of @envforge/cli, not of this
 * package), and strict mode refuses unknown flags and missing values, which is the point here.
 */
const OPTIONS = {
  help: { type: "boolean", short: "h" },
  smoke: { type: "boolean" },
  suites: { type: "string" },
  rounds: { type: "string" },
  time: { type: "string" },
  sizes: { type: "string" },
  scaling: { type: "string" },
  concurrency: { type: "string" },
  "process-runs": { type: "string" },
  "work-dir": { type: "string" },
  out: { type: "string" },
  docker: { type: "string" },
  spec: { type: "string", multiple: true },
  store: { type: "string" },
  target: { type: "string", multiple: true },
  "no-targets": { type: "boolean" },
  "update-docs": { type: "boolean" },
} as const satisfies ParseArgsConfig["options"];

/** Flags that can also come from `ENVFORGE_BENCH_<NAME>`. */
export const ENV_NAMES = {
  smoke: "SMOKE",
  suites: "SUITES",
  rounds: "ROUNDS",
  time: "TIME_MS",
  sizes: "SIZES",
  scaling: "SCALING",
  concurrency: "CONCURRENCY",
  "process-runs": "PROCESS_RUNS",
  "work-dir": "WORK_DIR",
  out: "OUT",
  docker: "DOCKER",
} as const;
type EnvFlag = keyof typeof ENV_NAMES;

/** Node's parseArgs messages, shortened to what the user typed and what to do. */
function usageFromParseError(error: unknown): UsageError {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^']*)'/.exec(message)?.[1]?.split(" ")[0];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return new UsageError(`unknown option ${option ?? message} (see --help)`);
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const flag = OPTIONS[option?.replace(/^--?/, "") as keyof typeof OPTIONS];
    if (/ambiguous/.test(message)) return new UsageError(`${option} needs a value; one starting with "-" is written ${option}=VALUE (see --help)`);
    return new UsageError(flag?.type === "boolean" ? `${option} takes no value (see --help)` : `${option ?? "an option"} needs a value (see --help)`);
  }
  return new UsageError(message);
}

/** Flags win over environment variables (`ENVFORGE_BENCH_*`), which win over defaults. */
function source(values: Record<string, unknown>, env: NodeJS.ProcessEnv) {
  return (flag: EnvFlag): { value: string; from: string } | undefined => {
    const v = values[flag];
    if (typeof v === "string") return { value: v, from: `--${flag}` };
    if (v === true) return { value: "true", from: `--${flag}` };
    const name = `ENVFORGE_BENCH_${ENV_NAMES[flag]}`;
    const e = env[name];
    return e === undefined || e === "" ? undefined : { value: e, from: name };
  };
}

function positiveInt(raw: string, from: string): number {
  const n = Number(raw.trim().replace(/_/g, "").replace(/k$/i, "000").replace(/m$/i, "000000"));
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${from}: expected a positive whole number, got "${raw}"`);
  return n;
}

function positiveNumber(raw: string, from: string): number {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n <= 0) throw new UsageError(`${from}: expected a positive number, got "${raw}"`);
  return n;
}

function intList(raw: string, from: string): number[] {
  const items = raw.split(",").map((v) => v.trim());
  if (items.some((v) => v === "")) throw new UsageError(`${from}: expected a comma-separated list of positive whole numbers, got "${raw}"`);
  return items.map((v) => positiveInt(v, from));
}

function booleanValue(raw: string, from: string): boolean {
  if (["true", "1", "yes"].includes(raw)) return true;
  if (["false", "0", "no"].includes(raw)) return false;
  throw new UsageError(`${from}: expected true or false, got "${raw}"`);
}

/** `--target ID=VALUE`: the id must be a known target, the value a finite number. */
function targetOverrides(items: readonly string[]): Thresholds {
  const out: Record<string, number> = {};
  for (const item of items) {
    const at = item.lastIndexOf("=");
    const id = at > 0 ? item.slice(0, at) : item;
    const raw = at > 0 ? item.slice(at + 1) : "";
    if (!(id in TARGETS)) throw new UsageError(`--target: unknown target "${id}" (targets: ${Object.keys(TARGETS).join(", ")})`);
    const value = Number(raw);
    if (at <= 0 || raw.trim() === "" || !Number.isFinite(value)) throw new UsageError(`--target: expected ID=NUMBER, got "${item}"`);
    out[id] = value;
  }
  return out;
}

function strictParse(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    // `--help` beside a mistyped flag still shows the help.
    if (argv.includes("--help") || argv.includes("-h")) return "help" as const;
    throw usageFromParseError(error);
  }
}

export type CommandLine = { help: true } | { help: false; config: BenchConfig };

/**
 * Reads the command line. `--help` wins over everything else and is answered before any value is
 * checked, so it never runs or writes anything.
 */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, now = new Date()): CommandLine {
  const parsed = strictParse(argv);
  if (parsed === "help") return { help: true };
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  // `--spec a.yaml b.yaml`: the files after --spec arrive as positionals.
  if (positionals.length > 0 && values.spec === undefined) throw new UsageError(`unexpected argument "${positionals[0]}" (definitions to benchmark go after --spec; see --help)`);
  const get = source(values, env);

  const specs = [...(values.spec ?? []), ...positionals].map((f) => path.resolve(f));
  for (const f of specs) if (!existsSync(f)) throw new UsageError(`--spec: no such file: ${f}`);
  const store = values.store === undefined ? undefined : path.resolve(values.store);
  if (store !== undefined && !existsSync(store)) throw new UsageError(`--store: no such module: ${store}`);

  const smokeSrc = get("smoke");
  const smoke = smokeSrc ? booleanValue(smokeSrc.value, smokeSrc.from) : false;
  const suitesSrc = get("suites");
  // Your own definitions or store alone do not start the built-in 13 GB run.
  const defaultSuites: SuiteName[] = specs.length > 0 ? [] : store !== undefined ? ["cache"] : [...SUITES];
  const suites = suitesSrc ? suitesSrc.value.split(",").map((s) => s.trim()) : defaultSuites;
  for (const s of suites) if (!SUITES.includes(s as SuiteName)) throw new UsageError(`${suitesSrc!.from}: unknown suite "${s}" (suites: ${SUITES.join(", ")})`);
  if (store !== undefined && !suites.includes("cache") && specs.length === 0) throw new UsageError("--store is measured in the cache suite or beside --spec definitions: add --suites cache or --spec FILE");

  const num = (flag: EnvFlag, parse: (raw: string, from: string) => number, fallback: number) => {
    const s = get(flag);
    return s ? parse(s.value, s.from) : fallback;
  };
  const list = (flag: EnvFlag, fallback: number[]) => {
    const s = get(flag);
    return s ? intList(s.value, s.from) : fallback;
  };
  const dockerSrc = get("docker");
  if (dockerSrc && !["auto", "off"].includes(dockerSrc.value)) throw new UsageError(`${dockerSrc.from}: expected auto or off, got "${dockerSrc.value}"`);

  const targets = targetOverrides(values.target ?? []);
  const updateDocs = values["update-docs"] === true;
  if (updateDocs) {
    // The tracked figures are the built-in run's: comparable from one commit to the next.
    const why = smoke
      ? "--smoke figures mean nothing"
      : specs.length > 0 || store !== undefined
        ? "--spec and --store measure your own definitions and store, not the built-in ones"
        : Object.keys(targets).length > 0
          ? "--target changes the thresholds the docs state"
          : suites.length !== SUITES.length
            ? "only a run of every suite replaces the tracked figures"
            : undefined;
    if (why) throw new UsageError(`--update-docs refused: ${why}`);
  }

  const stamp = now.toISOString().replace(/[:.]/g, "-");
  const temp = path.join(os.tmpdir(), `envforge-bench-${smoke ? "smoke-" : ""}${stamp}-${process.pid}`);
  const workSrc = get("work-dir");
  const outSrc = get("out");
  return {
    help: false,
    config: {
      suites: suites as SuiteName[],
      rounds: num("rounds", positiveInt, smoke ? 1 : 5),
      timeMs: num("time", positiveNumber, smoke ? 5 : 250),
      warmupMs: smoke ? 1 : 50,
      cacheSizes: list("sizes", smoke ? [50, 200] : [10_000, 100_000, 1_000_000]),
      scalingSizes: list("scaling", smoke ? [10, 40] : [10, 50, 100, 250, 500, 1000, 2000]),
      concurrency: list("concurrency", smoke ? [1, 2] : [1, 2, 4, 8, 16]),
      processRuns: num("process-runs", positiveInt, smoke ? 2 : 21),
      // Full runs keep their filled stores (1M entries take minutes to write); a smoke run cleans up.
      workDir: path.resolve(workSrc?.value ?? (smoke ? path.join(temp, "work") : path.join(outRoot, "work"))),
      workDirIsTemporary: workSrc === undefined && smoke,
      outDir: path.resolve(outSrc?.value ?? (smoke ? path.join(temp, "out") : path.join(outRoot, stamp))),
      smoke,
      // A smoke run stays quick and self-contained: docker only when asked for.
      docker: (dockerSrc?.value ?? (smoke ? "off" : "auto")) as "auto" | "off",
      specs,
      store,
      targets,
      enforceTargets: values["no-targets"] !== true,
      updateDocs,
      log: (line) => process.stderr.write(`${line}\n`),
    },
  };
}

/** The configuration of a command line that must run (the programmatic entry and the smoke test). */
export function readConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const line = parseCommandLine(argv, env);
  if (line.help) throw new UsageError("--help runs nothing");
  return line.config;
}
