import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { CLI_PIPELINE_ID } from "@envforge/cli";
import { benchEngine } from "../envforge.js";
import { benchRoot, repoRoot } from "../config.js";
import { cacacheKey, fillCacache, fillLocalCache } from "../fill.js";
import { generateSpec, TYPICAL_VENV } from "../generators.js";
import { compareRuns } from "../harness.js";
import type { CaseResult, TargetCheck } from "../model.js";
import { checkTarget, skippedTarget, thresholdOf, type Thresholds } from "../targets.js";
import type { SuiteContext } from "./context.js";
import { dockerCase } from "./docker.js";

const TARGET = "venv";
const CLI = path.join(repoRoot, "packages", "cli", "bin", "envforge.js");
const FIRST_HIT = path.join(benchRoot, "dist", "first-hit.js");

const describeDocker = (t: number) => `\`envforge build\` of a cached image at least ${t}x faster than docker's cached rebuild`;

/**
 * How the cached image build compares with docker's. Informational when Node's bare start-up (the
 * limit row, measured in the same rounds) already takes more than docker's time divided by the
 * factor: then no Node process can meet the target on this machine, whatever envforge does.
 */
export function dockerTarget(docker: CaseResult, overrides: Thresholds): TargetCheck {
  if (docker.skipped) return skippedTarget("process:e2e-vs-docker", overrides, describeDocker, `skipped: ${docker.skipped}`);
  const factor = thresholdOf("process:e2e-vs-docker", overrides);
  const ours = docker.rows.find((r) => r.role === "envforge")!;
  const theirs = docker.rows.find((r) => r.role === "peer");
  const node = docker.rows.find((r) => r.role === "limit");
  let measured = `docker takes ${(1 / ours.ratioToBestPeer!).toFixed(2)}x as long (${theirs?.stats.p50.toFixed(1)} ms vs ${ours.stats.p50.toFixed(1)} ms)`;
  let informational: string | undefined;
  if (theirs && node && node.stats.p50 > theirs.stats.p50 / factor) {
    informational = `Node's bare start-up alone (${node.stats.p50.toFixed(1)} ms) is over 1/${factor} of docker's time (${theirs.stats.p50.toFixed(1)} ms), so no Node process can be ${factor}x faster on this machine`;
    measured += `; ${informational}`;
  }
  return checkTarget("process:e2e-vs-docker", overrides, { describe: describeDocker, value: 1 / ours.ratioToBestPeer!, measured, informational });
}

/** The source memos' inodes: the full CLI rewrites its memo on every run, the quick path never does. */
function memoInodes(cacheDir: string): string {
  const dir = path.join(cacheDir, "v1", "sources");
  if (!existsSync(dir)) return "";
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => statSync(path.join(d.parentPath, d.name)).ino)
    .sort()
    .join(",");
}

/** Wall time of one whole process, in ms, measured by the parent. */
async function wallMs(file: string, args: string[], env?: Record<string, string>): Promise<number> {
  const started = performance.now();
  await execa(file, args, { env, stdout: "ignore", stderr: "pipe" });
  return performance.now() - started;
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
  // Resolving the file once more, now that the filled cache is in place, records its source memo
  // (what any earlier run of the CLI or the engine would have left).
  await benchEngine(cacheDir).hash(specFile);
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
  await wallMs(process.execPath, buildArgs);
  const memosBefore = memoInodes(cacheDir);
  await wallMs(process.execPath, buildArgs);
  const quickTaken = memosBefore === memoInodes(cacheDir);
  const e2e = await compareRuns(
    [
      { name: "envforge build (cached) — whole process", role: "envforge", run: () => wallMs(process.execPath, buildArgs) },
      { name: 'limit: node -e ""', role: "limit", run: () => wallMs(process.execPath, ["-e", ""]) },
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
      notes: ["wall time measured by the parent, process start to exit", quickTaken ? "answered by the CLI's quick path (the source memo was not rewritten)" : "NOT answered by the quick path: the full CLI ran"],
    },
  ];
  const docker = await dockerCase(ctx, CLI);
  cases.push(docker);

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
    dockerTarget(docker, overrides),
  ];
  return { cases, targets };
}
