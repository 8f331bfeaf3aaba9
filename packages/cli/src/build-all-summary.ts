import { shortHash, type BatchItemResult, type BatchResult } from "@envforge/core/plugin-kit";
import { artifactPathOf } from "./build-summary.js";
import { EXIT, EXIT_OF_KIND } from "./exit-status.js";

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The exit status of a batch: 0 when every item was served, else the worst kind among the failures (internal > build > input). */
export function batchExitCode(out: BatchResult): number {
  return out.items.reduce((worst, item) => (item.error ? Math.max(worst, EXIT_OF_KIND[item.error.kind]) : worst), EXIT.ok as number);
}

/** What `envforge build-all` prints on stdout (without --json): one line per item, one per engine, totals first. */
export function batchSummary(out: BatchResult): string {
  const t = out.totals;
  const lines = [
    `build-all: ${t.items} definition${t.items === 1 ? "" : "s"} (${t.distinct} distinct) on ${out.lanes.length} engine${out.lanes.length === 1 ? "" : "s"}: ${t.built} built, ${t.hit} hit, ${t.failed} failed in ${seconds(out.wallMs)}`,
  ];
  const width = Math.max(...out.items.map((i) => i.ref.length), 3);
  for (const item of out.items) lines.push(`  ${item.status.padEnd(6)}  ${item.ref.padEnd(width)}  ${item.hash ? shortHash(item.hash) : "-"}  ${itemDetail(item)}`);
  lines.push("engines:");
  const laneWidth = Math.max(...out.lanes.map((l) => l.name.length));
  for (const lane of out.lanes) {
    const down = lane.down ? `; down: ${lane.down.code} ${lane.down.message.split("\n")[0]}` : "";
    lines.push(`  ${lane.name.padEnd(laneWidth)}  built ${lane.built}, failed ${lane.failed}, busy ${seconds(lane.busyMs)}${down}`);
  }
  return lines.join("\n");
}

function itemDetail(item: BatchItemResult): string {
  const moved = item.movedFrom ? ` (moved from ${item.movedFrom.join(", ")})` : "";
  if (item.status === "failed") return `${item.lane ? `on ${item.lane}: ` : ""}${item.error?.code ?? ""} ${item.error?.message.split("\n")[0] ?? ""}${moved}`;
  const artifact = item.result ? artifactPathOf(item.result.entry.artifact) : "";
  const where = item.status === "hit" ? `(${item.store ?? "cache"})` : `on ${item.lane ?? "?"}`;
  return `${artifact} ${where}${moved}`;
}

/** `--json`: the summary without each entry's whole record (its artifact is kept). */
export function batchJson(out: BatchResult): Record<string, unknown> {
  return {
    ok: out.totals.failed === 0,
    totals: out.totals,
    wallMs: Math.round(out.wallMs),
    lanes: out.lanes.map((l) => ({ ...l, busyMs: Math.round(l.busyMs) })),
    items: out.items.map(({ result, ...item }) => ({ ...item, target: result?.target, generation: result?.entry.generation, artifact: result?.entry.artifact, timings: result?.timings })),
  };
}
