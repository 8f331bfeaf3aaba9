import { Bench } from "tinybench";
import type { BenchConfig } from "./config.js";
import { median, percentile, type Role, type Row, type Stats, withRatios } from "./model.js";

/** One contender in a case: envforge, a peer, or the limit (what the machine cannot beat). */
export interface Subject {
  name: string;
  role: Role;
  /** One operation. May return a promise; tinybench awaits it. */
  fn: () => unknown;
  note?: string;
}

/**
 * Runs every subject of a case for `config.rounds` rounds. Each round is one tinybench run with
 * all subjects in a rotated order, so envforge and its peers share the same process, JIT state
 * and machine noise, and none always runs first or last. A figure is the median of the rounds.
 */
export async function compare(subjects: Subject[], config: BenchConfig, unit: "µs" | "ms" = "µs"): Promise<Row[]> {
  const scale = unit === "µs" ? 1000 : 1; // tinybench reports milliseconds
  const perRound = new Map<string, { p50: number[]; p99: number[]; mean: number[]; samples: number[] }>();
  for (const s of subjects) perRound.set(s.name, { p50: [], p99: [], mean: [], samples: [] });
  for (let round = 0; round < config.rounds; round++) {
    const shift = round % subjects.length;
    const order = [...subjects.slice(shift), ...subjects.slice(0, shift)];
    if (round % 2 === 1) order.reverse();
    const bench = new Bench({ time: config.timeMs, warmupTime: config.warmupMs, iterations: config.smoke ? 2 : 16, throws: true });
    for (const s of order) bench.add(s.name, s.fn);
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result.state !== "completed") throw new Error(`benchmark task "${task.name}" ended ${result.state}`);
      const acc = perRound.get(task.name)!;
      acc.p50.push(result.latency.p50 * scale);
      acc.p99.push(result.latency.p99 * scale);
      acc.mean.push(result.latency.mean * scale);
      acc.samples.push(result.latency.samplesCount);
    }
  }
  return withRatios(
    subjects.map((s) => {
      const acc = perRound.get(s.name)!;
      return { subject: s.name, role: s.role, note: s.note, stats: summarize(acc, unit, config.rounds) };
    }),
  );
}

function summarize(acc: { p50: number[]; p99: number[]; mean: number[]; samples: number[] }, unit: "µs" | "ms", rounds: number): Stats {
  const mean = median(acc.mean);
  return {
    p50: median(acc.p50),
    p99: median(acc.p99),
    mean,
    opsPerSec: (unit === "µs" ? 1e6 : 1e3) / mean,
    samples: median(acc.samples),
    rounds,
  };
}

/**
 * For operations that cannot repeat inside one process (a fresh process, a whole CLI run):
 * `runs` rounds, each running every subject once in a rotated order. Returns per-subject rows
 * in milliseconds; p50 and p99 are over the runs.
 */
export async function compareRuns(
  subjects: { name: string; role: Role; note?: string; run: () => Promise<number> }[],
  runs: number,
): Promise<Row[]> {
  const samples = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
  // One unmeasured run each: the first process start reads files the later ones find in the page cache.
  for (const s of subjects) await s.run();
  for (let round = 0; round < runs; round++) {
    const shift = round % subjects.length;
    for (const s of [...subjects.slice(shift), ...subjects.slice(0, shift)]) samples.get(s.name)!.push(await s.run());
  }
  return withRatios(
    subjects.map((s) => {
      const values = samples.get(s.name)!;
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return {
        subject: s.name,
        role: s.role,
        note: s.note,
        stats: { p50: median(values), p99: percentile(values, 99), mean, opsPerSec: 1000 / mean, samples: values.length, rounds: runs },
      };
    }),
  );
}
