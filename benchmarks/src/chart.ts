import type { CaseResult, Role } from "./model.js";

/**
 * An SVG bar chart of every case: one bar per subject at its p50 with a tick at its p99, envforge
 * beside its peers and the limit. Each case has its own logarithmic axis, because a limit can be
 * a hundred times faster than a peer and both must stay readable.
 */

const COLORS: Record<Role, string> = { envforge: "#2563eb", peer: "#9ca3af", limit: "#16a34a", info: "#f59e0b" };
const WIDTH = 960;
const LABEL = 400;
const BAR = 380;
const ROW = 18;
const HEADER = 26;

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return "–";
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

export function renderChart(cases: CaseResult[], title: string): string {
  const shown = cases.filter((c) => !c.skipped && c.rows.length > 0);
  const parts: string[] = [];
  let y = 40;
  for (const c of shown) {
    parts.push(`<text x="8" y="${y + 16}" font-weight="bold">${escape(c.title)} — p50 (bar), p99 (tick), log scale</text>`);
    y += HEADER;
    const values = c.rows.flatMap((r) => [r.stats.p50, r.stats.p99]).filter((v) => v > 0 && Number.isFinite(v));
    const lo = Math.log10(Math.min(...values)) - 0.3;
    const hi = Math.log10(Math.max(...values));
    const x = (v: number) => LABEL + Math.max(2, ((Math.log10(Math.max(v, 1e-9)) - lo) / (hi - lo || 1)) * BAR);
    for (const r of c.rows) {
      const w = x(r.stats.p50) - LABEL;
      parts.push(
        `<text x="${LABEL - 6}" y="${y + 13}" text-anchor="end">${escape(r.subject.length > 62 ? `${r.subject.slice(0, 61)}…` : r.subject)}</text>`,
        `<rect x="${LABEL}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 6}" fill="${COLORS[r.role]}"/>`,
        `<line x1="${x(r.stats.p99).toFixed(1)}" x2="${x(r.stats.p99).toFixed(1)}" y1="${y + 1}" y2="${y + ROW - 1}" stroke="#111" stroke-width="1.5"/>`,
        `<text x="${(Math.max(x(r.stats.p99), LABEL + w) + 6).toFixed(1)}" y="${y + 13}">${escape(`${formatValue(r.stats.p50, c.unit)} · p99 ${formatValue(r.stats.p99, c.unit)}`)}</text>`,
      );
      y += ROW;
    }
    y += 10;
  }
  const legend = (Object.keys(COLORS) as Role[])
    .filter((role) => role !== "info")
    .map((role, i) => `<rect x="${LABEL + i * 120}" y="12" width="12" height="12" fill="${COLORS[role]}"/><text x="${LABEL + i * 120 + 16}" y="22">${role}</text>`)
    .join("");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y + 10}" viewBox="0 0 ${WIDTH} ${y + 10}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="22" font-size="14" font-weight="bold">${escape(title)}</text>`,
    legend,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}
