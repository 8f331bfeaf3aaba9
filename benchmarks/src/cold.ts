import type { BenchConfig } from "./config.js";
import { median, percentile, withRatios, type Role, type Row } from "./model.js";

/**
 * A contender measured on inputs the process has never seen (issue #19). A round repeated by
 * tinybench would hand it the same inputs again and measure whatever it remembered of them; here
 * each round `prepare` makes the subject a batch of its own new inputs (untimed), and each
 * operation of the batch is timed alone.
 */
export interface ColdSubject {
  name: string;
  role: Role;
  note?: string;
  /**
   * Untimed: this round's operations, each on an input no earlier operation of this subject saw.
   * Subjects may share a round's inputs (`sharedPerRound`): peers remember nothing.
   */
  prepare(round: number): Promise<(() => unknown)[]> | (() => unknown)[];
  /**
   * Each operation runs once untimed right before its timed run, so that its input is in the
   * CPU's caches as a repeated call finds it: beside the cold row, what a definition's memory
   * being cold costs (issue #19's hashParsed row).
   */
  inCache?: boolean;
}

/**
 * Rounds before the measured ones, for every subject alike, each on inputs of its own as a
 * measured round: lazy loads (rattler's WASM) happen once and the JIT settles. V8 tiers a
 * function up over a few thousand calls, and a subject that runs as much code as envforge's
 * (YAML, schema, five section parsers) was still speeding up through the third round of 200 —
 * a cost of the process, which the process suite measures, not of the inputs.
 */
const WARMUP_ROUNDS = 3;

/**
 * Every subject's batch once per round, one operation of each in turn, in a rotated order as
 * `compare` does (none always first); a figure is the median over the measured rounds of each
 * round's per-operation p50, p99 and mean, in µs (or ms). A promise an operation returns is
 * awaited inside its time.
 */
export async function compareCold(subjects: ColdSubject[], config: BenchConfig, unit: "µs" | "ms" = "µs"): Promise<Row[]> {
  const scale = unit === "µs" ? 1000 : 1; // performance.now() is in milliseconds
  const perRound = new Map(subjects.map((s) => [s.name, { p50: [] as number[], p99: [] as number[], mean: [] as number[], samples: [] as number[] }]));
  for (let round = 0; round < WARMUP_ROUNDS + config.rounds; round++) {
    const shift = round % subjects.length;
    const order = [...subjects.slice(shift), ...subjects.slice(0, shift)];
    if (round % 2 === 1) order.reverse();
    const batches: (() => unknown)[][] = [];
    for (const subject of order) batches.push(await subject.prepare(round));
    const times = batches.map((ops) => new Array<number>(ops.length));
    // Interleaved, one operation of each subject in turn: a burst of load on a shared machine
    // falls on every subject alike instead of on whichever ran its whole batch at that moment.
    const longest = Math.max(...batches.map((ops) => ops.length));
    for (let i = 0; i < longest; i++) {
      for (let k = 0; k < batches.length; k++) {
        const op = batches[k]![i];
        if (op === undefined) continue;
        if (order[k]!.inCache) {
          const first = op();
          if (first instanceof Promise) await first;
        }
        const started = performance.now();
        const out = op();
        if (out instanceof Promise) await out;
        times[k]![i] = (performance.now() - started) * scale;
      }
    }
    if (round < WARMUP_ROUNDS) continue;
    order.forEach((subject, k) => {
      const own = times[k]!;
      const acc = perRound.get(subject.name)!;
      acc.p50.push(median(own));
      acc.p99.push(percentile(own, 99));
      acc.mean.push(own.reduce((a, b) => a + b, 0) / own.length);
      acc.samples.push(own.length);
    });
  }
  return withRatios(
    subjects.map((s) => {
      const acc = perRound.get(s.name)!;
      const mean = median(acc.mean);
      return {
        subject: s.name,
        role: s.role,
        note: s.note,
        stats: { p50: median(acc.p50), p99: median(acc.p99), mean, opsPerSec: (unit === "µs" ? 1e6 : 1e3) / mean, samples: median(acc.samples), rounds: config.rounds },
      };
    }),
  );
}

/** One value per round, made on first use in that round: inputs every subject of a round gets alike. */
export function sharedPerRound<T>(make: () => T): (round: number) => T {
  let made = -1;
  let value: T | undefined;
  return (round) => {
    if (round !== made) {
      value = make();
      made = round;
    }
    return value as T;
  };
}
