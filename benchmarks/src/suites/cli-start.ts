import { writeFileSync } from "node:fs";
import path from "node:path";
import { generateSpec, TYPICAL, TYPICAL_VENV } from "../generators.js";
import { compareRuns } from "../harness.js";
import type { CaseResult, Row, TargetCheck } from "../model.js";
import { checkTarget, skippedTarget, type Thresholds } from "../targets.js";
import { processMs } from "../wall-time.js";
import type { SuiteContext } from "./context.js";

export const CLI_START_CASE = { suite: "process", id: "process-cli-start", title: "`envforge` commands in a fresh process, definitions never seen before", unit: "ms" as const };

/**
 * The command line's own cost (issue #19): `hash`, `validate`, `explain` and `dockerfile` of a
 * definition no process has seen (each run writes a new file drawn from a new seed: other package
 * names, other versions), and a cached `build --json` (the quick path's answer, as it prints the
 * same JSON; `jsonTaken` says whether it answered here), each beside `node -e ""` in the same
 * rounds. A definition with a conda section is its own row: its canonical form needs rattler's
 * WASM, whose load alone is most of the budget.
 */
export async function cliStartCase(ctx: SuiteContext, cli: string, cacheDir: string, cachedSpec: string, target: string, jsonTaken: boolean): Promise<CaseResult> {
  const dir = ctx.scratch("process-cli-start");
  const env = { ENVFORGE_CACHE_DIR: cacheDir, ENVFORGE_CONFIG: "" };
  let seed = 90_000;
  const fresh = (shape = TYPICAL_VENV, docker = false): string => {
    seed++;
    const spec = generateSpec(shape, seed);
    if (docker && spec.docker === undefined) spec.docker = { baseImage: "python:3.11-slim" };
    const file = path.join(dir, `d${seed}.json`);
    writeFileSync(file, `${JSON.stringify(spec, null, 2)}\n`);
    return file;
  };
  const condaShape = { ...TYPICAL_VENV, conda: TYPICAL.conda };
  const rows = await compareRuns(
    [
      { name: "envforge hash (never-seen pip definition)", role: "envforge", run: () => processMs(process.execPath, [cli, "hash", fresh()], env) },
      { name: "envforge validate (never-seen)", role: "info", run: () => processMs(process.execPath, [cli, "validate", fresh()], env) },
      { name: "envforge explain A B (both never seen)", role: "info", run: () => processMs(process.execPath, [cli, "explain", fresh(), fresh()], env) },
      { name: "envforge dockerfile (never-seen, docker section)", role: "info", run: () => processMs(process.execPath, [cli, "dockerfile", "--quiet", fresh(TYPICAL_VENV, true)], env) },
      { name: "envforge build --json (cached)", role: "info", run: () => processMs(process.execPath, [cli, "build", cachedSpec, "--target", target, "--json"], env) },
      { name: "envforge hash (never-seen, with a conda section: loads rattler)", role: "info", run: () => processMs(process.execPath, [cli, "hash", fresh(condaShape)], env) },
      { name: 'limit: node -e ""', role: "limit", run: () => processMs(process.execPath, ["-e", ""], env) },
    ],
    ctx.config.smoke ? 1 : Math.min(ctx.config.processRuns, 15),
  );
  return {
    ...CLI_START_CASE,
    rows,
    notes: [
      "wall time measured by the parent; each ratio is the row's p50 ÷ `node -e \"\"` p50 of the same rounds",
      jsonTaken ? "`build --json` answered by the CLI's quick path (checked with quickBuild before the runs)" : "`build --json` NOT answered by the quick path: the full CLI ran",
    ],
  };
}

const TARGET_ROWS: ReadonlyArray<readonly [id: string, row: string, what: string]> = [
  ["process:hash-vs-node", "envforge hash (never-seen pip definition)", "`envforge hash` of a never-seen definition"],
  ["process:validate-vs-node", "envforge validate (never-seen)", "`envforge validate` of a never-seen definition"],
  ["process:explain-vs-node", "envforge explain A B (both never seen)", "`envforge explain` of two never-seen definitions"],
  ["process:dockerfile-vs-node", "envforge dockerfile (never-seen, docker section)", "`envforge dockerfile` of a never-seen definition"],
  ["process:build-json-vs-node", "envforge build --json (cached)", "a cached `envforge build --json`"],
];

const ratio = (row: Row) => `${row.ratioToLimit!.toFixed(2)}x (${row.stats.p50.toFixed(1)} ms vs ${(row.stats.p50 / row.ratioToLimit!).toFixed(1)} ms)`;

export function cliStartTargets(cliStart: CaseResult, docker: CaseResult | undefined, overrides: Thresholds): TargetCheck[] {
  const targets = TARGET_ROWS.map(([id, name, what]) => {
    const row = cliStart.rows.find((r) => r.subject === name)!;
    return checkTarget(id, overrides, { describe: (t) => `${what} within ${t}x of \`node -e ""\``, value: row.ratioToLimit!, measured: ratio(row) });
  });
  const conda = cliStart.rows.find((r) => r.subject.includes("conda section"));
  if (conda) targets[0] = { ...targets[0]!, measured: `${targets[0]!.measured}; with a conda section (rattler's WASM): ${ratio(conda)}` };
  const describeImage = (t: number) => `a cached image build (\`envforge build --target docker\`) within ${t}x of \`node -e ""\``;
  const image = docker?.rows.find((r) => r.role === "envforge");
  if (!docker || docker.skipped || !image) targets.push(skippedTarget("process:image-vs-node", overrides, describeImage, `skipped: ${docker?.skipped ?? "no docker case"}`));
  else targets.push(checkTarget("process:image-vs-node", overrides, { describe: describeImage, value: image.ratioToLimit!, measured: ratio(image) }));
  return targets;
}
