/** What a benchmark run produces: cases of rows, plus the targets checked against them. */

export type Role = "envforge" | "peer" | "limit" | "info";

/** Figures of one subject in one case. Times are in the case's unit; all are medians over rounds. */
export interface Stats {
  p50: number;
  p99: number;
  mean: number;
  /** Operations per second, from the mean latency of each round. */
  opsPerSec: number;
  /** Samples per round (median), or processes for process-level rows. */
  samples: number;
  rounds: number;
}

export interface Row {
  subject: string;
  role: Role;
  stats: Stats;
  /** p50 of this row ÷ p50 of the limit row (1 = at the limit; higher = slower). */
  ratioToLimit?: number | undefined;
  /** p50 of this row ÷ p50 of the fastest peer (< 1 = faster than every peer). */
  ratioToBestPeer?: number | undefined;
  bestPeer?: string | undefined;
  note?: string | undefined;
}

export interface CaseResult {
  suite: string;
  id: string;
  title: string;
  unit: "µs" | "ms";
  rows: Row[];
  /** Set when the case could not run here, with the reason. */
  skipped?: string | undefined;
  notes?: string[] | undefined;
}

export interface TargetCheck {
  id: string;
  description: string;
  /** The measured figure, as a sentence fragment with numbers ("0.41x of best peer"). */
  measured: string;
  met: boolean | "skipped";
  /** The threshold checked (the default, or `--target ID=VALUE`) and the value compared with it. */
  threshold?: number | undefined;
  value?: number | undefined;
  /**
   * Set, with the reason, when this machine cannot meet the target whatever envforge does (its own
   * limit row proves it): the verdict is reported but never fails the run.
   */
  informational?: string | undefined;
}

export interface RunResult {
  startedAt: string;
  finishedAt: string;
  command: string;
  environment: Record<string, string | number>;
  config: Record<string, unknown>;
  cases: CaseResult[];
  targets: TargetCheck[];
}

/** Fills in each row's ratios from the case's limit row and fastest peer. */
export function withRatios(rows: Row[]): Row[] {
  const limit = rows.find((r) => r.role === "limit");
  const peers = rows.filter((r) => r.role === "peer");
  const best = peers.reduce<Row | undefined>((b, r) => (b === undefined || r.stats.p50 < b.stats.p50 ? r : b), undefined);
  return rows.map((r) => ({
    ...r,
    ratioToLimit: limit && r.role !== "limit" ? r.stats.p50 / limit.stats.p50 : undefined,
    ratioToBestPeer: best && r !== best ? r.stats.p50 / best.stats.p50 : best === r ? 1 : undefined,
    bestPeer: best?.subject,
  }));
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Linear-interpolated percentile (0..100) of unsorted values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = ((s.length - 1) * p) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
