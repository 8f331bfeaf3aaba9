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

/** Writes results.json, results.md and chart.svg into `outDir`; returns their paths. */
export function writeReports(run: RunResult, outDir: string): { json: string; markdown: string; chart: string } {
  mkdirSync(outDir, { recursive: true });
  const files = { json: path.join(outDir, "results.json"), markdown: path.join(outDir, "results.md"), chart: path.join(outDir, "chart.svg") };
  writeFileSync(files.json, `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(files.chart, renderChart(run.cases, `envforge benchmarks — ${run.startedAt.slice(0, 10)}`));
  writeFileSync(files.markdown, `# envforge benchmark results\n\n\`${run.command}\`\n\n${renderMarkdown(run, "chart.svg")}`);
  return files;
}
