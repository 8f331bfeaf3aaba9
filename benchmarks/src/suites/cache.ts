import { hash as cryptoHash } from "node:crypto";
import { closeSync, fdatasyncSync, mkdirSync, openSync, renameSync, writeSync } from "node:fs";
import path from "node:path";
import cacache from "cacache";
import fastStableStringify from "fast-json-stable-stringify";
import type { Engine, Hash, ParsedSpec } from "@envforge/core/plugin-kit";
import { displayPath } from "../config.js";
import { benchEngine, parseAll } from "../envforge.js";
import { cacacheKey, fillCacache, filledHashes, fillLocalCache, missHash, sampleEntry } from "../fill.js";
import { generateSpecs, prng, TYPICAL } from "../generators.js";
import { compare, type Subject } from "../harness.js";
import type { CaseResult, Row, TargetCheck } from "../model.js";
import { checkTarget, skippedTarget, thresholdOf, type Thresholds } from "../targets.js";
import type { SuiteContext } from "./context.js";

const TARGET = "venv";
/** Generated specs that have real entries: the warm-hit case hashes these. */
const REAL_SPECS = 256;
/**
 * Keys drawn per case; each iteration takes the next one. A hot set this size stays in the page
 * cache even on a busy machine, so every store size is measured on the same footing: what grows
 * is the store, not the working set.
 */
const KEYS = 1024;

function shuffledSample<T>(items: readonly T[], count: number, seed: number): T[] {
  const rand = prng(seed);
  return Array.from({ length: count }, () => items[Math.floor(rand() * items.length)]!);
}

/** Each call returns the next item, round-robin: every iteration looks up another key. */
function cycle<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length]!;
}

interface Stores {
  size: number;
  disk: Engine;
  warm: Engine;
  cacacheDir: string;
  map: Map<string, unknown>;
  hits: Hash[];
}

async function prepare(ctx: SuiteContext, size: number, realHashes: Hash[]): Promise<Stores> {
  const { log } = ctx.config;
  log(`cache: preparing stores with ${size.toLocaleString("en")} entries`);
  const dir = ctx.scratch(`local-${size}`);
  const { artifactPath } = fillLocalCache(dir, size, TARGET, realHashes, log);
  const cacacheDir = ctx.scratch(`cacache-${size}`);
  fillCacache(cacacheDir, size, TARGET, realHashes, artifactPath, log);
  const all = filledHashes(size, realHashes);
  const map = new Map<string, unknown>();
  const value = sampleEntry(all[0]!, TARGET, artifactPath, "");
  for (const h of all) map.set(cacacheKey(h, TARGET), value);
  // The store must answer through its own API before any figure is taken from it.
  const disk = benchEngine(dir, { memoryEntries: 0 });
  for (const h of [all[0]!, all[all.length - 1]!]) {
    if (!(await disk.lookup(h, TARGET))) throw new Error(`filled envforge cache misses ${h}`);
    const got = await cacache.get(cacacheDir, cacacheKey(h, TARGET));
    if (JSON.parse(got.data.toString("utf8")).hash !== h) throw new Error(`filled cacache answers ${h} wrongly`);
  }
  // Figures are for a cache in use: the page cache holds the sampled entries of both stores (the
  // first read of a file from disk would otherwise dominate whichever store happens to go first).
  // Your store holds the same entries; each size adds only the ones it does not hold yet.
  await ctx.store?.ensure(all, TARGET, artifactPath, log);
  const hits = shuffledSample(all, KEYS, size);
  for (const h of hits) {
    await disk.lookup(h, TARGET);
    await cacache.get(cacacheDir, cacacheKey(h, TARGET), { memoize: false });
    await ctx.store?.store.get({ hash: h, target: TARGET });
  }
  return { size, disk, warm: benchEngine(dir), cacacheDir, map, hits };
}

/** Rows of the user's store (`--store`), beside cacache as another peer; none without one. */
export function userStoreSubject(ctx: SuiteContext, what: string, fn: () => unknown): Subject[] {
  if (!ctx.store) return [];
  const { store, module } = ctx.store;
  return [{ name: `${store.name} ${what}`, role: "peer", fn, note: `your store (--store ${displayPath(module)})${store.note ? `: ${store.note}` : ""}` }];
}

async function lookupCases(ctx: SuiteContext, s: Stores): Promise<CaseResult[]> {
  const n = s.size.toLocaleString("en");
  const hit = cycle(s.hits);
  const userHit = cycle(s.hits);
  const userMiss = cycle(Array.from({ length: KEYS }, (_, i) => missHash(i)));
  const hitRows = await compare(
    [
      { name: "envforge lookup (local disk tier)", role: "envforge", fn: () => s.disk.lookup(hit(), TARGET), note: "memory tier off: every lookup reads the entry file" },
      { name: "cacache get", role: "peer", fn: () => cacache.get(s.cacacheDir, cacacheKey(hit(), TARGET), { memoize: false }) },
      ...userStoreSubject(ctx, "get", () => ctx.store!.store.get({ hash: userHit(), target: TARGET })),
      { name: "limit: Map.get", role: "limit", fn: () => s.map.get(cacacheKey(hit(), TARGET)) },
    ],
    ctx.config,
  );
  const misses = Array.from({ length: KEYS }, (_, i) => missHash(i));
  const miss = cycle(misses);
  const missRows = await compare(
    [
      { name: "envforge lookup (local disk tier)", role: "envforge", fn: () => s.disk.lookup(miss(), TARGET) },
      { name: "cacache get", role: "peer", fn: () => cacache.get(s.cacacheDir, cacacheKey(miss(), TARGET), { memoize: false }).catch(() => undefined) },
      ...userStoreSubject(ctx, "get", () => ctx.store!.store.get({ hash: userMiss(), target: TARGET })),
      { name: "limit: Map.get", role: "limit", fn: () => s.map.get(cacacheKey(miss(), TARGET)) },
    ],
    ctx.config,
  );
  return [
    { suite: "cache", id: `cache-hit-${s.size}`, title: `Cache hit, ${n} entries`, unit: "µs", rows: hitRows },
    { suite: "cache", id: `cache-miss-${s.size}`, title: `Cache miss, ${n} entries`, unit: "µs", rows: missRows },
  ];
}

/** A process that already answered these specs once: hash the parsed spec, then find its entry. */
async function warmCase(ctx: SuiteContext, s: Stores, parsed: ParsedSpec[]): Promise<CaseResult> {
  for (const p of parsed) await s.warm.lookup(s.warm.hashParsed(p).hash, TARGET);
  const data = parsed.map((p) => p.loaded.data);
  const keys = parsed.map((p) => cacacheKey(s.warm.hashParsed(p).hash, TARGET));
  const texts = parsed.map((p) => s.warm.hashParsed(p).canonicalText);
  // A memo of its own: the default one keeps 500 items, too few for these specs, and would thrash.
  const memo = new Map<string, object>();
  for (const k of keys) await cacache.get(s.cacacheDir, k, { memoize: memo });
  const hashes = parsed.map((p) => s.warm.hashParsed(p).hash);
  for (const h of hashes) await ctx.store?.store.get({ hash: h, target: TARGET });
  let i = 0;
  let j = 0;
  let k = 0;
  let u = 0;
  const rows = await compare(
    [
      {
        name: "envforge hashParsed + lookup (memory tier)",
        role: "envforge",
        fn: () => {
          const p = parsed[i++ % parsed.length]!;
          return s.warm.lookup(s.warm.hashParsed(p).hash, TARGET);
        },
      },
      {
        name: "fast-json-stable-stringify + sha256 + cacache (memoized)",
        role: "peer",
        fn: () => {
          const at = j++ % data.length;
          cryptoHash("sha256", fastStableStringify(data[at]), "hex");
          return cacache.get(s.cacacheDir, keys[at]!, { memoize: memo });
        },
      },
      ...userStoreSubject(ctx, "get after envforge hashParsed", () => {
        const p = parsed[u++ % parsed.length]!;
        return ctx.store!.store.get({ hash: s.warm.hashParsed(p).hash, target: TARGET });
      }),
      {
        name: "limit: sha256 of canonical bytes + Map.get",
        role: "limit",
        fn: () => {
          const at = k++ % texts.length;
          cryptoHash("sha256", texts[at]!, "hex");
          return s.map.get(keys[at]!);
        },
      },
    ],
    ctx.config,
  );
  return { suite: "cache", id: `cache-warm-${s.size}`, title: `Warm hit including hashing, ${s.size.toLocaleString("en")} entries`, unit: "µs", rows };
}

/** Durable puts: each writes a new entry and survives a crash once it returns. */
async function putCase(ctx: SuiteContext): Promise<CaseResult> {
  const dir = ctx.scratch("put");
  const engine = benchEngine(path.join(dir, "envforge"));
  const cacacheDir = path.join(dir, "cacache");
  const rawDir = path.join(dir, "raw");
  mkdirSync(rawDir, { recursive: true });
  const artifact = path.join(dir, "artifact");
  mkdirSync(artifact, { recursive: true });
  let n = 0;
  const next = () => {
    const hash: Hash = `efh1:${cryptoHash("sha256", `put-${process.pid}-${n++}`, "hex")}`;
    return sampleEntry(hash, TARGET, artifact, "{}");
  };
  const rows = await compare(
    [
      { name: "envforge local put (atomic, synced)", role: "envforge", fn: () => engine.cache.local.put(next()) },
      { name: "cacache put", role: "peer", fn: () => { const e = next(); return cacache.put(cacacheDir, cacacheKey(e.hash, TARGET), JSON.stringify(e)); }, note: "cacache does not sync to disk" },
      ...userStoreSubject(ctx, "put", () => ctx.store!.store.put(next())),
      {
        name: "limit: write + fdatasync + rename (sync)",
        role: "limit",
        fn: () => {
          const e = next();
          const file = path.join(rawDir, `${e.hash.slice(5)}.json`);
          const fd = openSync(`${file}.tmp`, "w");
          writeSync(fd, JSON.stringify(e, null, 2));
          fdatasyncSync(fd);
          closeSync(fd);
          renameSync(`${file}.tmp`, file);
        },
      },
    ],
    ctx.config,
  );
  return { suite: "cache", id: "cache-put", title: "Put a new entry, durable", unit: "µs", rows };
}

export function cacheTargets(cases: CaseResult[], overrides: Thresholds): TargetCheck[] {
  const envforge = (id: string): Row | undefined => cases.find((c) => c.id === id)?.rows.find((r) => r.role === "envforge");
  const out: TargetCheck[] = [];
  const warm = envforge("cache-warm-100000");
  const warmDescribe = (t: number) => `warm hit including hashing the spec, p50 ≤ ${t} µs at 100k entries`;
  out.push(
    warm
      ? checkTarget("cache:warm-hit-100k", overrides, { describe: warmDescribe, value: warm.stats.p50, measured: `p50 ${warm.stats.p50.toFixed(1)} µs` })
      : skippedTarget("cache:warm-hit-100k", overrides, warmDescribe, "100k size not run"),
  );
  for (const kind of ["hit", "miss", "warm"]) {
    const small = envforge(`cache-${kind}-10000`);
    const big = envforge(`cache-${kind}-1000000`);
    const describe = (t: number) => `${kind} p50 at 1M entries within ${t}x of p50 at 10k`;
    out.push(
      small && big
        ? checkTarget(`cache:flat-${kind}`, overrides, {
            describe,
            value: big.stats.p50 / small.stats.p50,
            measured: `${big.stats.p50.toFixed(1)} µs vs ${small.stats.p50.toFixed(1)} µs = ${(big.stats.p50 / small.stats.p50).toFixed(2)}x`,
          })
        : skippedTarget(`cache:flat-${kind}`, overrides, describe, "10k and 1M sizes not both run"),
    );
  }
  const put = envforge("cache-put");
  if (put) {
    // The limit is one write + fdatasync + rename and nothing else: when the disk's own sync takes
    // longer than the target, no durable put can meet it here; the ratio to the limit is what counts.
    const limit = cases.find((c) => c.id === "cache-put")?.rows.find((r) => r.role === "limit");
    const diskNote = limit && limit.stats.p50 > thresholdOf("cache:put", overrides) * 1000 ? `; the limit (write + fdatasync + rename alone) takes ${(limit.stats.p50 / 1000).toFixed(3)} ms on this disk, envforge ${put.ratioToLimit!.toFixed(2)}x of it` : "";
    out.push(
      checkTarget("cache:put", overrides, {
        describe: (t) => `put ≤ ${t} ms with durability (p50)`,
        value: put.stats.p50 / 1000,
        measured: `p50 ${(put.stats.p50 / 1000).toFixed(3)} ms${diskNote}`,
      }),
    );
  }
  return out;
}

export async function cacheSuite(ctx: SuiteContext): Promise<{ cases: CaseResult[]; targets: TargetCheck[] }> {
  const hasher = benchEngine(ctx.scratch("hash-cache"));
  const parsed = await parseAll(hasher, generateSpecs(TYPICAL, ctx.config.smoke ? 8 : REAL_SPECS, 10_001), ctx.scratch("specs"));
  const realHashes = parsed.map((p) => hasher.hashParsed(p).hash);
  const cases: CaseResult[] = [];
  for (const size of ctx.config.cacheSizes) {
    const stores = await prepare(ctx, Math.max(size, realHashes.length), realHashes);
    cases.push(...(await lookupCases(ctx, stores)), await warmCase(ctx, stores, parsed));
  }
  cases.push(await putCase(ctx));
  return { cases, targets: cacheTargets(cases, ctx.config.targets) };
}
