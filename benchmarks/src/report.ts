import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { formatValue, renderChart } from "./chart.js";
import type { CaseResult, RunResult, TargetCheck } from "./model.js";

const ratio = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "–" : `${v.toFixed(2)}x`);
const ops = (v: number) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : v.toFixed(1));
const verdict = (t: TargetCheck) => (t.met === "skipped" ? "skipped" : t.met ? "met" : t.informational ? "not met (informational)" : "**not met**");

export function targetsTable(targets: TargetCheck[]): string {
  return [
    "| target | measured | |",
    "| --- | --- | --- |",
    ...targets.map((t) => `| ${t.description} | ${t.measured} | ${verdict(t)} |`),
  ].join("\n");
}

export function caseTable(c: CaseResult): string {
  if (c.skipped) return `### ${c.title}\n\nSkipped: ${c.skipped}\n`;
  const lines = [
    `### ${c.title}`,
    "",
    "| subject | p50 | p99 | ops/s | ÷ limit | ÷ best peer |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...c.rows.map((r) => {
      const name = r.role === "envforge" ? `**${r.subject}**` : r.subject;
      return `| ${name}${r.note ? ` <sub>${r.note}</sub>` : ""} | ${formatValue(r.stats.p50, c.unit)} | ${formatValue(r.stats.p99, c.unit)} | ${ops(r.stats.opsPerSec)} | ${ratio(r.ratioToLimit)} | ${ratio(r.ratioToBestPeer)} |`;
    }),
  ];
  for (const n of c.notes ?? []) lines.push("", `<sub>${n}</sub>`);
  return `${lines.join("\n")}\n`;
}

export function renderMarkdown(run: RunResult, chartPath?: string): string {
  const env = Object.entries(run.environment).map(([k, v]) => `${k}: ${v}`).join(" · ");
  return [
    "## Targets",
    "",
    targetsTable(run.targets),
    "",
    chartPath ? `![benchmark chart](${chartPath})\n` : "",
    "## Results",
    "",
    `<sub>${env}. Every figure is the median of ${String(run.config.rounds)} rounds; peers run interleaved with envforge in the same process. ÷ limit: p50 over the limit's p50; ÷ best peer: p50 over the fastest peer's p50 (below 1 = faster than every peer).</sub>`,
    "",
    ...run.cases.map(caseTable),
  ].join("\n");
}

/** One line per envforge row: its p50 beside the fastest peer's and the limit's. */
export function summaryTable(run: RunResult): string {
  const lines = ["| case | envforge p50 | best peer p50 | limit p50 | ÷ best peer | ÷ limit |", "| --- | ---: | ---: | ---: | ---: | ---: |"];
  for (const c of run.cases) {
    if (c.skipped) {
      lines.push(`| ${c.title} | skipped: ${c.skipped} | | | | |`);
      continue;
    }
    const best = c.rows.find((r) => r.role === "peer" && r.subject === c.rows.find((x) => x.role === "envforge")?.bestPeer);
    const limit = c.rows.find((r) => r.role === "limit");
    for (const r of c.rows.filter((x) => x.role === "envforge")) {
      const title = c.rows.filter((x) => x.role === "envforge").length > 1 ? `${c.title}: ${r.subject}` : c.title;
      lines.push(
        `| ${title} | ${formatValue(r.stats.p50, c.unit)} | ${best ? `${formatValue(best.stats.p50, c.unit)} (${best.subject})` : "–"} | ${limit ? formatValue(limit.stats.p50, c.unit) : "–"} | ${ratio(r.ratioToBestPeer)} | ${ratio(r.ratioToLimit)} |`,
      );
    }
  }
  return lines.join("\n");
}

/** The README's Performance section, written from a full run. */
export function renderPerformance(run: RunResult, chartPath: string, resultsPath: string): string {
  const env = Object.entries(run.environment).map(([k, v]) => `${k} ${v}`).join(", ");
  return [
    "## Performance",
    "",
    "`pnpm bench` (or `npm run bench`) runs the benchmark suites in `benchmarks/` — hash, cache, process",
    "start-up, scaling and the miss path (a venv built from nothing) — with envforge beside its peers",
    "and beside the limit (what the machine cannot beat) in the same process, and writes a JSON result",
    "file, a Markdown report and an SVG chart.",
    "Every figure is a median over rounds; the ratios, not the absolute times, are what carry across",
    "machines. ÷ limit is envforge's p50 over the limit's, ÷ best peer its p50 over the fastest peer's",
    "(below 1: faster than every peer).",
    "",
    "Cases that build or hit a venv (the cached `envforge build`, the first hit, concurrent cached builds)",
    "use the typical definition's Python part alone (its 20 pip requirements): a venv carries nothing",
    "else, and the engine refuses a target that would leave a section of the definition out.",
    "",
    `These figures: \`${run.command}\` on ${run.startedAt.slice(0, 10)} (${env}).`,
    "",
    `![envforge benchmarks: p50 bars, p99 ticks](${chartPath})`,
    "",
    "### Targets",
    "",
    targetsTable(run.targets),
    "",
    ...(run.targets.some((t) => t.met === false)
      ? ['Why each target marked **not met** is not, with what was measured: README.md, "Targets not met, and why".', ""]
      : []),
    "### Results",
    "",
    summaryTable(run),
    "",
    `Every row with p99 and throughput: [${resultsPath}](${resultsPath}).`,
    "",
    "### Running it",
    "",
    RUNNING_IT,
    "",
  ].join("\n");
}

/** How to run the benchmarks: the same text in PERFORMANCE.md and the README's Performance section. */
export const RUNNING_IT = [
  "`pnpm bench --help` (`npm run bench -- --help`) lists every flag, suite and target and runs nothing.",
  "",
  "- `pnpm bench` — every suite; the first run fills caches of 10k, 100k and 1M entries (about 13 GB",
  "  under `benchmarks/out/work/`, kept for later runs; delete the folder to reclaim the space).",
  "  Results go to a new folder `benchmarks/out/<time>/` (git-ignored), or to `--out DIR`.",
  "- `pnpm bench --update-docs` — a full run that also rewrites the tracked `benchmarks/results/*` and",
  "  `benchmarks/PERFORMANCE.md` (refused with `--smoke`, `--spec`, `--store`, `--target` or some suites only).",
  "- `pnpm bench --suites hash,cache` — some suites (hash, cache, process, scaling, miss).",
  "- `pnpm bench --sizes 10k,100k` — other cache sizes; `--scaling 10,100,1000` other spec sizes;",
  "  `--concurrency 1,4`; `--rounds 7`; `--time 500` (ms per subject per round); `--process-runs 31`.",
  "- `pnpm bench --smoke` — everything once with tiny counts (what the test suite runs); figures meaningless.",
  "- `--docker off` skips the Docker comparison; it also skips itself, saying why, when no daemon answers.",
  "- `--work-dir`, `--out`, `--smoke`, `--suites`, `--rounds`, `--time`, `--sizes`, `--scaling`,",
  "  `--concurrency`, `--process-runs` and `--docker` also read `ENVFORGE_BENCH_<NAME>` (e.g.",
  "  `ENVFORGE_BENCH_SIZES=10k`, `ENVFORGE_BENCH_TIME_MS=500`); a flag wins over its variable.",
  "- `pnpm bench --spec env.yaml [more.yaml…]` — your own definitions, each read in place: the whole",
  "  load + parse + hash from the file beside `envforge load` + fast-json-stable-stringify + sha256 and",
  "  the file's own sha256 (the limit); the hash of the parsed definition beside the four generic",
  "  JSON hashers; a cache hit. Alone it runs only these cases (add `--suites` for the built-in ones);",
  "  a definition envforge refuses stops the run before anything is measured (exit 1).",
  "- `pnpm bench --store ./my-store.mjs` — your own cache store beside envforge's and cacache in every",
  "  cache row (hit, miss, warm hit, put) and in the `--spec` cache hits: see [Your own cache store](#your-own-cache-store).",
  "",
  "Exit status: 0 when every target is met (or skipped, or informational); 4 when one is not — the",
  "unmet targets are listed last; `--no-targets` reports them but exits 0. `--target ID=VALUE` sets a",
  "target's threshold (`--help` lists the ids and defaults). 1: a command line or input it refuses",
  "(unknown flag, bad value, missing file, a definition envforge refuses, a store module of the wrong",
  "shape), with one line saying which; 3: a run that failed.",
  "",
  "A target is *informational* when the run itself proves this machine cannot meet it: its verdict",
  "is printed, but it never fails the run. (The cached image target used to be \"a whole `envforge",
  "build` process 3x faster than docker's cached rebuild\", which no Node process could meet where",
  "Node's bare start-up takes as long as docker's whole cached build; issue #19 replaced it with the",
  "in-process hit, `process:hit-vs-docker`, at least 100x faster than docker's cached rebuild.)",
  "",
  "### Your own cache store",
  "",
  "`--store MODULE` loads an ES module whose default export is an object with `name` (shown in the",
  "rows), `get(key)` and `put(entry)`, and optionally `note` (shown beside its rows: what it promises,",
  "e.g. \"not synced to disk\"), `open({ dir })` (called once before the first put, with an empty",
  "folder of its own under the work dir) and `close()` (at the end). `key` is core's",
  "`CacheKey` (`{ hash, target }`) and `entry` its `CacheEntry`; `put` stores the entry under",
  "`{ hash: entry.hash, target: entry.target }`, `get` returns it or `undefined` — the shape of core's",
  "`MemoryStore` and `LocalStore`. Either may return a promise. The runner puts the same entries",
  "envforge's store and cacache hold, checks the store returns them (and nothing for a key it was",
  "never given) before any figure is taken, and measures it as a peer: its rows carry the same",
  "ratios (÷ limit, ÷ best peer). `benchmarks/examples/json-file-store.mjs` is a working example (one",
  "JSON file per entry); the TypeScript interface is `BenchStore` in `benchmarks/src/store.ts`.",
].join("\n");

/** Writes results.json, results.md and chart.svg into `outDir`; returns their paths. */
export function writeReports(run: RunResult, outDir: string): { json: string; markdown: string; chart: string } {
  mkdirSync(outDir, { recursive: true });
  const files = { json: path.join(outDir, "results.json"), markdown: path.join(outDir, "results.md"), chart: path.join(outDir, "chart.svg") };
  writeFileSync(files.json, `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(files.chart, renderChart(run.cases, `envforge benchmarks — ${run.startedAt.slice(0, 10)}`));
  writeFileSync(files.markdown, `# envforge benchmark results\n\n\`${run.command}\`\n\n${renderMarkdown(run, "chart.svg")}`);
  return files;
}
