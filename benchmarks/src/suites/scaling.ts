import { mkdirSync } from "node:fs";
import path from "node:path";
import pLimit from "p-limit";
import { benchEngine, parseAll } from "../envforge.js";
import { sampleEntry } from "../fill.js";
import type { ParsedSpec } from "@envforge/core/plugin-kit";
import { compareCold } from "../cold.js";
import { freshUniverse, generateSpec, generateSpecs, TYPICAL, TYPICAL_VENV } from "../generators.js";
import { median, type CaseResult, type Row, type TargetCheck } from "../model.js";
import { coldLimitSubject } from "../peers.js";
import { checkTarget } from "../targets.js";
import type { SuiteContext } from "./context.js";

/** Least-squares fit of y = a + b·x and its R². */
export function linearFit(xs: number[], ys: number[]): { a: number; b: number; r2: number } {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  const b = sxy / sxx;
  return { a: my - b * mx, b, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

/** Never-seen definitions per size and round: about the same work per round whatever the size. */
const perRound = (n: number, smoke: boolean) => (smoke ? 4 : Math.min(200, Math.max(12, Math.round(8000 / n))));

async function sizeCase(ctx: SuiteContext): Promise<{ result: CaseResult; target: TargetCheck }> {
  const rows: Row[] = [];
  const engine = benchEngine(ctx.scratch("hash-cache"));
  const file = path.join(ctx.scratch("specs"), "env.yaml");
  let seed = 20_000;
  for (const n of ctx.config.scalingSizes) {
    const shape = { ...TYPICAL, pip: n };
    // Cold, as users meet definitions: each round's are drawn from a universe the process has never seen.
    const parsedBatch = async () => {
      const universe = freshUniverse(Math.max(4000, 2 * n));
      const out: ParsedSpec[] = [];
      for (let k = 0; k < perRound(n, ctx.config.smoke); k++) {
        out.push(await engine.parse(await engine.load({ object: generateSpec(shape, seed++, universe), file, dir: path.dirname(file) })));
      }
      return out;
    };
    const [ef, limit] = await compareCold(
      [
        { name: `envforge hashParsed, ${n} requirements`, role: "envforge", prepare: async () => (await parsedBatch()).map((p) => () => engine.hashParsed(p)) },
        coldLimitSubject("limit", async () => (await parsedBatch()).map((p) => engine.hashParsed(p).canonicalText)),
      ],
      ctx.config,
    );
    rows.push({ ...ef!, note: `limit (sha256 of the canonical bytes): ${limit!.stats.p50.toFixed(1)} µs` });
  }
  const xs = ctx.config.scalingSizes;
  const fit = linearFit(xs, rows.map((r) => r.stats.p50));
  const perItem = rows.map((r, k) => (r.stats.p50 - fit.a) / xs[k]!);
  const result: CaseResult = {
    suite: "scaling",
    id: "scaling-hash-size",
    title: "Scaling: hash time against requirement count (cold: definitions never seen before)",
    unit: "µs",
    rows,
    notes: [`least-squares fit: ${fit.a.toFixed(2)} µs + ${(fit.b * 1000).toFixed(1)} ns × requirements, R² = ${fit.r2.toFixed(4)}`],
  };
  return {
    result,
    target: checkTarget("scaling:linear", ctx.config.targets, {
      describe: (t) => `hash time linear in spec size (${xs[0]} to ${xs[xs.length - 1]} requirements): R² ≥ ${t}`,
      value: fit.r2,
      measured: `R² = ${fit.r2.toFixed(4)}, ${(fit.b * 1000).toFixed(0)} ns per requirement (per-size marginal ${perItem.map((p) => (p * 1000).toFixed(0)).join(", ")} ns)`,
    }),
  };
}

/**
 * Cached builds of distinct specs (load, parse, hash, local-disk lookup) started through p-limit.
 * Without contention, throughput never drops as concurrency rises.
 */
async function concurrencyCase(ctx: SuiteContext): Promise<{ result: CaseResult; target: TargetCheck }> {
  const count = ctx.config.smoke ? 16 : 512;
  const dir = ctx.scratch("concurrent");
  const engine = benchEngine(path.join(dir, "cache"), { memoryEntries: 0 });
  const specs = generateSpecs(TYPICAL_VENV, count, 30_001);
  const specDir = ctx.scratch("specs");
  const parsed = await parseAll(engine, specs, specDir);
  const artifact = path.join(dir, "artifact");
  mkdirSync(artifact, { recursive: true });
  for (const p of parsed) {
    const { hash, canonicalText } = engine.hashParsed(p);
    await engine.cache.local.put(sampleEntry(hash, "venv", artifact, canonicalText));
  }
  const rows: Row[] = [];
  for (const c of ctx.config.concurrency) {
    const perBuild: number[] = [];
    for (let round = 0; round < Math.max(ctx.config.rounds, 3); round++) {
      const limit = pLimit(c);
      const started = performance.now();
      const results = await Promise.all(specs.map((object) => limit(() => engine.build({ object, dir: specDir }, { target: "venv" }))));
      const elapsed = performance.now() - started;
      if (results.some((r) => !r.cached)) throw new Error("a seeded spec was not a cache hit");
      perBuild.push((elapsed * 1000) / count);
    }
    const mean = median(perBuild);
    rows.push({
      subject: `p-limit(${c})`,
      role: "envforge",
      stats: { p50: mean, p99: Math.max(...perBuild), mean, opsPerSec: 1e6 / mean, samples: count, rounds: perBuild.length },
    });
  }
  const base = rows[0]!.stats.opsPerSec;
  for (const r of rows) r.note = `${(r.stats.opsPerSec / base).toFixed(2)}x the throughput of ${rows[0]!.subject}`;
  const worst = Math.min(...rows.map((r) => r.stats.opsPerSec / base));
  return {
    result: {
      suite: "scaling",
      id: "scaling-concurrency",
      title: `Scaling: ${count} concurrent cached builds of distinct specs (time per build)`,
      unit: "µs",
      rows,
      notes: ["each build: load the definition object, parse, hash, look up on local disk (memory tier off)", "p99 column: the slowest round"],
    },
    target: checkTarget("scaling:concurrency", ctx.config.targets, {
      describe: (t) => `concurrent cached builds scale with p-limit concurrency without contention (throughput never below ${t}x of concurrency 1)`,
      value: worst,
      measured: rows.map((r) => `${r.subject}: ${Math.round(r.stats.opsPerSec)}/s`).join(", "),
    }),
  };
}

export async function scalingSuite(ctx: SuiteContext): Promise<{ cases: CaseResult[]; targets: TargetCheck[] }> {
  const size = await sizeCase(ctx);
  const conc = await concurrencyCase(ctx);
  return { cases: [size.result, conc.result], targets: [size.target, conc.target] };
}
