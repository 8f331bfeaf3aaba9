import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { formatValue, renderChart } from "./chart.js";
import type { CaseResult, RunResult, TargetCheck } from "./model.js";

const ratio = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "–" : `${v.toFixed(2)}x`);
const ops = (v: number) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : v.toFixed(1));
const verdict = (t: TargetCheck) => (t.met === "skipped" ? "skipped" : t.met ? "met" : "**not met**");

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
    "start-up and scaling — with envforge beside its peers and beside the limit (what the machine cannot",
    "beat) in the same process, and writes a JSON result file, a Markdown report and an SVG chart.",
    "Every figure is a median over rounds; the ratios, not the absolute times, are what carry across",
    "machines. ÷ limit is envforge's p50 over the limit's, ÷ best peer its p50 over the fastest peer's",
    "(below 1: faster than every peer).",
    "",
    `These figures: \`${run.command}\` on ${run.startedAt.slice(0, 10)} (${env}).`,
    "",
    `![envforge benchmarks: p50 bars, p99 ticks](${chartPath})`,
    "",
    "### Targets",
    "",
    targetsTable(run.targets),
    "",
    "### Results",
    "",
    summaryTable(run),
    "",
    `Every row with p99 and throughput: [${resultsPath}](${resultsPath}).`,
    "",
    "### Running it",
    "",
    "- `pnpm bench` — every suite; the first run fills caches of 10k, 100k and 1M entries (about 13 GB",
    "  under `benchmarks/results/tmp/`, kept for later runs; delete the folder to reclaim the space).",
    "- `pnpm bench --suites hash,cache` — some suites (hash, cache, process, scaling).",
    "- `pnpm bench --sizes 10k,100k` — other cache sizes; `--scaling 10,100,1000` other spec sizes;",
    "  `--concurrency 1,4`; `--rounds 7`; `--time 500` (ms per subject per round); `--process-runs 31`.",
    "- `pnpm bench --smoke` — everything once with tiny counts (what the test suite runs); figures meaningless.",
    "- `--docker off` skips the Docker comparison; it also skips itself, saying why, when no daemon answers.",
    "  Each option also reads `ENVFORGE_BENCH_<NAME>` (e.g. `ENVFORGE_BENCH_SIZES=10k`).",
    "",
  ].join("\n");
}

/** Writes results.json, results.md and chart.svg into `outDir`; returns their paths. */
export function writeReports(run: RunResult, outDir: string): { json: string; markdown: string; chart: string } {
  mkdirSync(outDir, { recursive: true });
  const files = { json: path.join(outDir, "results.json"), markdown: path.join(outDir, "results.md"), chart: path.join(outDir, "chart.svg") };
  writeFileSync(files.json, `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(files.chart, renderChart(run.cases, `envforge benchmarks — ${run.startedAt.slice(0, 10)}`));
  writeFileSync(files.markdown, `# envforge benchmark results\n\n\`${run.command}\`\n\n${renderMarkdown(run, "chart.svg")}`);
  return files;
}
