import { writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { CLI_PIPELINE_ID, processIO, quickBuild } from "@envforge/cli";
import { benchEngine } from "../envforge.js";
import { benchRoot, repoRoot } from "../config.js";
import { cacacheKey, fillCacache, fillLocalCache } from "../fill.js";
import { generateSpec, TYPICAL_VENV } from "../generators.js";
import { compareRuns } from "../harness.js";
import type { CaseResult, TargetCheck } from "../model.js";
import { checkTarget, skippedTarget, type Thresholds } from "../targets.js";
import { processMs } from "../wall-time.js";
import type { SuiteContext } from "./context.js";
import { cliStartCase, cliStartTargets } from "./cli-start.js";
import { DOCKER_CASE, DOCKER_HIT_CASE, dockerCases } from "./docker.js";

const TARGET = "venv";
const CLI = path.join(repoRoot, "packages", "cli", "bin", "envforge.js");
const FIRST_HIT = path.join(benchRoot, "dist", "first-hit.js");

const describeDocker = (t: number) => `a cached image build in a host's warm engine (\`engine.build\` of the definition's text) at least ${t}x faster than docker's cached rebuild`;

/**
 * How an in-process cached image build (a host's warm engine) compares with docker's cached
 * rebuild of the same Dockerfile. It replaced "a whole \`envforge build\` process 3x faster than
 * docker" (issue #19): Node's bare start-up alone takes about as long as docker's whole cached build.
 */
export function dockerTarget(hit: CaseResult, overrides: Thresholds): TargetCheck {
  if (hit.skipped) return skippedTarget("process:hit-vs-docker", overrides, describeDocker, `skipped: ${hit.skipped}`);
  const ours = hit.rows.find((r) => r.role === "envforge")!;
  const theirs = hit.rows.find((r) => r.role === "peer")!;
  const factor = theirs.stats.p50 / ours.stats.p50;
  const fromFile = hit.rows.find((r) => r.role === "info" && r.subject.includes("file"));
  const file = fromFile ? `; from the definition file ${(theirs.stats.p50 / fromFile.stats.p50).toFixed(0)}x (${fromFile.stats.p50.toFixed(3)} ms)` : "";
  const measured = `docker takes ${factor.toFixed(0)}x as long (${theirs.stats.p50.toFixed(1)} ms vs ${ours.stats.p50.toFixed(3)} ms)${file}`;
  return checkTarget("process:hit-vs-docker", overrides, { describe: describeDocker, value: factor, measured });
}

/**
 * Whether the CLI's quick path answers `args` (the binary runs it first): `quickBuild` itself, with
 * its output discarded, so a figure labelled as the quick path's never comes from the full CLI.
 */
async function quickAnswers(args: string[]): Promise<boolean> {
  const io = { ...processIO(), out: () => undefined, err: () => undefined };
  return (await quickBuild(args, io)) !== undefined;
}

async function ownMs(args: string[]): Promise<number> {
  const { stdout } = await execa(process.execPath, [FIRST_HIT, ...args]);
  const out = JSON.parse(stdout) as { ownMs: number; hit: boolean; quick?: boolean };
  if (!out.hit) throw new Error(`first-hit child (${args[0]}) did not hit`);
  // The figure must be the quick path's: if it fell back to the engine, the memo is broken.
  if (out.quick === false) throw new Error("first-hit child: @envforge/core/quick did not answer (no source memo?)");
  return out.ownMs;
}

export async function processSuite(ctx: SuiteContext): Promise<{ cases: CaseResult[]; targets: TargetCheck[] }> {
  const dir = ctx.scratch("process");
  const specFile = path.join(dir, "env.json");
  writeFileSync(specFile, `${JSON.stringify(generateSpec(TYPICAL_VENV, 40_001), null, 2)}\n`);
  const cacheDir = path.join(dir, "cache");
  const { hash } = await benchEngine(cacheDir).hash(specFile);
  // A cache of 10k entries holding this spec's entry, in both stores.
  const size = ctx.config.smoke ? 100 : 10_000;
  const { artifactPath } = fillLocalCache(cacheDir, size, TARGET, [hash], ctx.config.log);
  // A build of the file, now that the filled cache holds its entry (a hit), records its source
  // memo: what any earlier `envforge build` of it would have left.
  await benchEngine(cacheDir).build(specFile, { target: TARGET });
  const cacacheDir = path.join(dir, "cacache");
  fillCacache(cacacheDir, size, TARGET, [hash], artifactPath, ctx.config.log);
  const entryFile = path.join(cacheDir, "v1", "entries", TARGET, `${hash.slice(5)}.json`);
  const runs = ctx.config.processRuns;

  const firstHit = await compareRuns(
    [
      {
        name: "envforge: import @envforge/core/quick, quickHit",
        role: "envforge",
        run: () => ownMs(["envforge", cacheDir, specFile, TARGET, CLI_PIPELINE_ID]),
        note: "checks the digests of the definition's files, reads the entry",
      },
      { name: "cacache: import, get", role: "peer", run: () => ownMs(["cacache", cacacheDir, cacacheKey(hash, TARGET), TARGET]), note: "given the key; hashes nothing" },
      { name: "limit: readFileSync + JSON.parse of the entry", role: "limit", run: () => ownMs(["raw", cacheDir, entryFile, TARGET]) },
    ],
    runs,
  );
  const engineFirstHit = await compareRuns(
    [
      { name: "envforge engine alone: import core + plugins, createEngine, resolve file, lookup", role: "envforge", run: () => ownMs(["envforge-engine", cacheDir, specFile, TARGET]) },
      { name: "limit: readFileSync + JSON.parse of the entry", role: "limit", run: () => ownMs(["raw", cacheDir, entryFile, TARGET]) },
    ],
    ctx.config.smoke ? 1 : Math.min(runs, 7),
  );
  // The definition is named: the first build registers it (and leaves the receipt the quick path
  // needs); every build after that is the cached one measured here.
  const buildArgs = [CLI, "build", specFile, "--target", TARGET, "--cache-dir", cacheDir, "--quiet"];
  await processMs(process.execPath, buildArgs);
  const quickTaken = await quickAnswers(buildArgs.slice(1));
  const e2e = await compareRuns(
    [
      { name: "envforge build (cached) — whole process", role: "envforge", run: () => processMs(process.execPath, buildArgs) },
      { name: 'limit: node -e ""', role: "limit", run: () => processMs(process.execPath, ["-e", ""]) },
    ],
    runs,
  );
  const cases: CaseResult[] = [
    { suite: "process", id: "process-first-hit", title: "Fresh process: own code until the first hit", unit: "ms", rows: firstHit, notes: ["measured inside the child from its first line; Node's own start-up excluded"] },
    {
      suite: "process",
      id: "process-first-hit-engine",
      title: "Fresh process without a source memo: the engine's own first hit",
      unit: "ms",
      rows: engineFirstHit,
      notes: ["what a host that sets no pipelineId pays, and any process right after the definition changed"],
    },
    {
      suite: "process",
      id: "process-e2e",
      title: "`envforge build` of a cached environment, whole process",
      unit: "ms",
      rows: e2e,
      notes: ["wall time measured by the parent, process start to exit", quickTaken ? "answered by the CLI's quick path (checked with quickBuild before the runs)" : "NOT answered by the quick path: the full CLI ran"],
    },
  ];
  const jsonTaken = await quickAnswers(["build", specFile, "--target", TARGET, "--cache-dir", cacheDir, "--json"]);
  const cliStart = await cliStartCase(ctx, CLI, cacheDir, specFile, TARGET, jsonTaken);
  cases.push(cliStart);
  const dockers = await dockerCases(ctx, CLI);
  cases.push(...dockers);
  const dockerHit = dockers.find((c) => c.id === DOCKER_HIT_CASE.id)!;

  const fh = firstHit.find((r) => r.role === "envforge")!;
  const build = e2e.find((r) => r.role === "envforge")!;
  const overrides = ctx.config.targets;
  const targets: TargetCheck[] = [
    checkTarget("process:first-hit", overrides, {
      describe: (t) => `fresh process reaches its first hit in ≤ ${t} ms of its own code`,
      value: fh.stats.p50,
      measured: `p50 ${fh.stats.p50.toFixed(1)} ms`,
    }),
    checkTarget("process:e2e-vs-node", overrides, {
      describe: (t) => `\`envforge build\` of a cached env within ${t}x of \`node -e ""\``,
      value: build.ratioToLimit!,
      measured: `${build.ratioToLimit!.toFixed(2)}x (${build.stats.p50.toFixed(1)} ms vs ${(build.stats.p50 / build.ratioToLimit!).toFixed(1)} ms)`,
    }),
    dockerTarget(dockerHit, overrides),
    ...cliStartTargets(cliStart, dockers.find((c) => c.id === DOCKER_CASE.id), overrides),
  ];
  return { cases, targets };
}
