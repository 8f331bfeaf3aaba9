import { rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execaSync } from "execa";
import { EnvforgeError, formatError } from "@envforge/core/plugin-kit";
import { parseCommandLine, performanceDoc, readConfig, repoRoot, trackedResultsDir, UsageError, type BenchConfig, type SuiteName } from "./config.js";
import type { CaseResult, RunResult, TargetCheck } from "./model.js";
import { renderPerformance, writeReports } from "./report.js";
import { loadStore, type UserStore } from "./store.js";
import { cacheSuite } from "./suites/cache.js";
import { suiteContext, type SuiteContext } from "./suites/context.js";
import { hashSuite } from "./suites/hash.js";
import { missSuite } from "./suites/miss.js";
import { processSuite } from "./suites/process.js";
import { scalingSuite } from "./suites/scaling.js";
import { loadSpecFiles, specSuite } from "./suites/spec.js";
import { unmet } from "./targets.js";
import { usage } from "./usage.js";

type Suite = (ctx: SuiteContext) => Promise<{ cases: CaseResult[]; targets: TargetCheck[] }>;
const SUITE_RUNNERS: Record<SuiteName, Suite> = { hash: hashSuite, cache: cacheSuite, process: processSuite, scaling: scalingSuite, miss: missSuite };

/** Exit statuses, as the envforge CLI uses them. */
export const EXIT = { ok: 0, usage: 1, failed: 3, targets: 4 } as const;

export interface Reports {
  json: string;
  markdown: string;
  chart: string;
}

function gitCommit(): string {
  try {
    return execaSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot }).stdout.trim();
  } catch {
    return "unknown";
  }
}

/** Runs what `config` asks for and writes the reports into its out dir (and the tracked files with --update-docs). */
export async function runWith(config: BenchConfig, argv: readonly string[]): Promise<{ run: RunResult; files: Reports; tracked?: Reports }> {
  let store: UserStore | undefined;
  try {
    store = config.store ? await loadStore(config.store, config.workDir) : undefined;
    const ctx = suiteContext(config, store);
    // Your definitions first: one envforge refuses stops the run before anything is measured.
    const specs = config.specs.length > 0 ? await loadSpecFiles(ctx) : [];
    const startedAt = new Date().toISOString();
    const cases: CaseResult[] = [];
    const targets: TargetCheck[] = [];
    for (const name of config.suites) {
      config.log(`suite ${name}…`);
      const out = await SUITE_RUNNERS[name](ctx);
      cases.push(...out.cases);
      targets.push(...out.targets);
    }
    if (specs.length > 0) {
      config.log("your definitions (--spec)…");
      cases.push(...(await specSuite(ctx, specs)).cases);
    }
    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    const run: RunResult = {
      startedAt,
      finishedAt: new Date().toISOString(),
      command: ["pnpm bench", ...argv].join(" "),
      environment: { node: process.version, cpu: `${cpu} × ${os.cpus().length}`, os: `${os.type()} ${os.release()}`, commit: gitCommit() },
      config: {
        rounds: config.rounds,
        timeMs: config.timeMs,
        cacheSizes: config.cacheSizes,
        scalingSizes: config.scalingSizes,
        concurrency: config.concurrency,
        processRuns: config.processRuns,
        smoke: config.smoke,
        ...(config.specs.length > 0 ? { specs: config.specs } : {}),
        ...(store ? { store: { name: store.store.name, module: store.module } } : {}),
        ...(Object.keys(config.targets).length > 0 ? { targets: config.targets } : {}),
      },
      cases,
      targets,
    };
    const files = writeReports(run, config.outDir);
    if (!config.updateDocs) return { run, files };
    const tracked = writeReports(run, trackedResultsDir);
    const rel = (f: string) => path.relative(repoRoot, f);
    writeFileSync(performanceDoc, renderPerformance(run, rel(tracked.chart), rel(tracked.markdown)));
    return { run, files, tracked };
  } finally {
    await store?.close();
    if (config.workDirIsTemporary) rmSync(config.workDir, { recursive: true, force: true });
  }
}

/** Runs the configured suites and writes the reports. Exported for the smoke test; throws UsageError on a refused command line. */
export async function runBenchmarks(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ run: RunResult; files: Reports; tracked?: Reports }> {
  return runWith(readConfig(argv, env), argv);
}

export interface MainIO {
  out(text: string): void;
  err(text: string): void;
}

const processIO: MainIO = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

function verdict(t: TargetCheck): string {
  if (t.met === "skipped") return "skipped";
  if (t.met) return "met    ";
  return t.informational ? "info   " : "NOT MET";
}

/** The command: parses, runs, prints the verdicts and where the reports went; returns the exit status. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, io: MainIO = processIO): Promise<number> {
  let config: BenchConfig;
  try {
    const line = parseCommandLine(argv, env);
    if (line.help) {
      io.out(usage());
      return EXIT.ok;
    }
    config = { ...line.config, log: (l) => io.err(`${l}\n`) };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`bench: ${error.message}\n`);
    return EXIT.usage;
  }
  let result: Awaited<ReturnType<typeof runWith>>;
  try {
    result = await runWith(config, argv);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`bench: ${error.message}\n`);
      return EXIT.usage;
    }
    const message = error instanceof EnvforgeError ? formatError(error) : error instanceof Error ? error.message : String(error);
    io.err(`bench: the run failed: ${message}\n`);
    if (env.ENVFORGE_DEBUG && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
    return EXIT.failed;
  }
  const { run, files, tracked } = result;
  for (const t of run.targets) io.out(`${verdict(t)}  ${t.description}: ${t.measured}\n`);
  io.out(`\nwrote ${files.markdown}\n      ${files.json}\n      ${files.chart}\n`);
  if (tracked) io.out(`updated ${path.relative(repoRoot, trackedResultsDir)}/ and ${path.relative(repoRoot, performanceDoc)}\n`);
  const failing = unmet(run.targets);
  const informational = run.targets.filter((t) => t.met === false && t.informational);
  for (const t of informational) io.out(`\ninformational, not failing: ${t.id}: ${t.informational}\n`);
  if (failing.length === 0) return EXIT.ok;
  io.out(`\n${failing.length} target${failing.length === 1 ? "" : "s"} not met${config.enforceTargets ? "" : " (--no-targets: not failing the run)"}:\n`);
  for (const t of failing) io.out(`  ${t.id}: ${t.description} — measured ${t.measured}\n`);
  return config.enforceTargets ? EXIT.targets : EXIT.ok;
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) process.exitCode = await main(process.argv.slice(2));
