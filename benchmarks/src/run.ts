import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execaSync } from "execa";
import { benchRoot, readConfig, repoRoot, type SuiteName } from "./config.js";
import type { CaseResult, RunResult, TargetCheck } from "./model.js";
import { renderPerformance, writeReports } from "./report.js";
import { cacheSuite } from "./suites/cache.js";
import { suiteContext, type SuiteContext } from "./suites/context.js";
import { hashSuite } from "./suites/hash.js";
import { processSuite } from "./suites/process.js";
import { scalingSuite } from "./suites/scaling.js";

type Suite = (ctx: SuiteContext) => Promise<{ cases: CaseResult[]; targets: TargetCheck[] }>;
const SUITE_RUNNERS: Record<SuiteName, Suite> = { hash: hashSuite, cache: cacheSuite, process: processSuite, scaling: scalingSuite };

function gitCommit(): string {
  try {
    return execaSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot }).stdout.trim();
  } catch {
    return "unknown";
  }
}

/** Runs the configured suites and writes the reports. Exported for the smoke test. */
export async function runBenchmarks(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ run: RunResult; files: ReturnType<typeof writeReports> }> {
  const config = readConfig(argv, env);
  const ctx = suiteContext(config);
  const startedAt = new Date().toISOString();
  const cases: CaseResult[] = [];
  const targets: TargetCheck[] = [];
  for (const name of config.suites) {
    config.log(`suite ${name}…`);
    const out = await SUITE_RUNNERS[name](ctx);
    cases.push(...out.cases);
    targets.push(...out.targets);
  }
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const run: RunResult = {
    startedAt,
    finishedAt: new Date().toISOString(),
    command: ["pnpm bench", ...argv].join(" "),
    environment: { node: process.version, cpu: `${cpu} × ${os.cpus().length}`, os: `${os.type()} ${os.release()}`, commit: gitCommit() },
    config: { rounds: config.rounds, timeMs: config.timeMs, cacheSizes: config.cacheSizes, scalingSizes: config.scalingSizes, concurrency: config.concurrency, processRuns: config.processRuns, smoke: config.smoke },
    cases,
    targets,
  };
  const files = writeReports(run, config.outDir);
  // A full run into the default folder also refreshes the README's Performance section.
  if (config.outDir === path.join(benchRoot, "results") && !config.smoke && config.suites.length === 4) {
    const rel = (f: string) => path.relative(repoRoot, f);
    writeFileSync(path.join(benchRoot, "PERFORMANCE.md"), renderPerformance(run, rel(files.chart), rel(files.markdown)));
  }
  return { run, files };
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const { run, files } = await runBenchmarks(process.argv.slice(2));
  for (const t of run.targets) console.log(`${t.met === true ? "met    " : t.met === false ? "NOT MET" : "skipped"}  ${t.description}: ${t.measured}`);
  console.log(`\nwrote ${files.markdown}\n      ${files.json}\n      ${files.chart}`);
}
