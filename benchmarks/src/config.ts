import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Where this package lives (src/ or dist/ alike: both sit one level below it). */
export const benchRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const repoRoot = path.resolve(benchRoot, "..");

export const SUITES = ["hash", "cache", "process", "scaling"] as const;
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
  /** Where results.json, results.md and chart.svg go. */
  outDir: string;
  /** Tiny counts for the smoke test: everything runs, nothing is meaningful. */
  smoke: boolean;
  /** Docker comparison: "auto" uses a reachable daemon, "off" skips. */
  docker: "auto" | "off";
  log(line: string): void;
}

const list = (value: string | undefined): number[] | undefined =>
  value === undefined || value === "" ? undefined : value.split(",").map((v) => Number(v.trim().replace(/_/g, "").replace(/k$/i, "000").replace(/m$/i, "000000")));

/**
 * Flags win over environment variables (`ENVFORGE_BENCH_*`), which win over defaults.
 * `--smoke` shrinks everything so a full pass takes seconds.
 */
export function readConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) continue;
    const [key, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
    if (inline !== undefined) flags.set(key, inline);
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--")) flags.set(key, argv[++i]!);
    else flags.set(key, "true");
  }
  const get = (flag: string, name: string): string | undefined => flags.get(flag) ?? env[`ENVFORGE_BENCH_${name}`];
  const smoke = get("smoke", "SMOKE") === "true" || get("smoke", "SMOKE") === "1";
  const suites = (get("suites", "SUITES") ?? SUITES.join(",")).split(",").map((s) => s.trim());
  for (const s of suites) if (!SUITES.includes(s as SuiteName)) throw new Error(`unknown suite "${s}" (suites: ${SUITES.join(", ")})`);
  return {
    suites: suites as SuiteName[],
    rounds: Number(get("rounds", "ROUNDS") ?? (smoke ? 1 : 5)),
    timeMs: Number(get("time", "TIME_MS") ?? (smoke ? 5 : 250)),
    warmupMs: smoke ? 1 : 50,
    cacheSizes: list(get("sizes", "SIZES")) ?? (smoke ? [50, 200] : [10_000, 100_000, 1_000_000]),
    scalingSizes: list(get("scaling", "SCALING")) ?? (smoke ? [10, 40] : [10, 50, 100, 250, 500, 1000, 2000]),
    concurrency: list(get("concurrency", "CONCURRENCY")) ?? (smoke ? [1, 2] : [1, 2, 4, 8, 16]),
    processRuns: Number(get("process-runs", "PROCESS_RUNS") ?? (smoke ? 2 : 21)),
    workDir: path.resolve(get("work-dir", "WORK_DIR") ?? (smoke ? path.join(os.tmpdir(), `envforge-bench-smoke-${process.pid}`) : path.join(benchRoot, "results", "tmp"))),
    outDir: path.resolve(get("out", "OUT") ?? (smoke ? path.join(os.tmpdir(), `envforge-bench-smoke-${process.pid}`, "out") : path.join(benchRoot, "results"))),
    smoke,
    // A smoke run stays quick and self-contained: docker only when asked for.
    docker: (get("docker", "DOCKER") ?? (smoke ? "off" : "auto")) === "off" ? "off" : "auto",
    log: (line) => process.stderr.write(`${line}\n`),
  };
}
