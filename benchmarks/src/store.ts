import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { CacheEntry, CacheKey, Hash } from "@envforge/core/plugin-kit";
import { UsageError } from "./config.js";
import { missHash, sampleEntry } from "./fill.js";

/**
 * A cache store of your own, benchmarked beside envforge's (`--store MODULE`). The module's
 * default export is an object of this shape. Keys and entries are core's `CacheKey` and
 * `CacheEntry` (packages/core/src/cache/types.ts), and `get`/`put` have the shape of core's
 * `MemoryStore` and `LocalStore`: `put` stores an entry under `{ hash: entry.hash, target:
 * entry.target }`, replacing any entry there.
 */
export interface BenchStore {
  /** Shown in the result rows. */
  readonly name: string;
  /** Shown beside its rows: what it promises, e.g. "not synced to disk". */
  readonly note?: string;
  /** Called once, before the first `put`, with an empty folder the store may keep its data in. */
  open?(options: { dir: string }): void | Promise<void>;
  /** The entry stored under `key`, or undefined (a miss). Never throws for a miss. */
  get(key: CacheKey): CacheEntry | undefined | Promise<CacheEntry | undefined>;
  /** Stores `entry`. As durable as the store makes it: the row's note says what it promised. */
  put(entry: CacheEntry): void | Promise<void>;
  /** Called once at the end of the run. */
  close?(): void | Promise<void>;
}

/** A loaded store, with the hashes it was given so far: each size only adds the missing entries. */
export interface UserStore {
  store: BenchStore;
  module: string;
  /** Puts an entry for every hash not put yet, then checks the store answers through its `get`. */
  ensure(hashes: readonly Hash[], target: string, artifactPath: string, log: (line: string) => void): Promise<void>;
  close(): Promise<void>;
}

function describe(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}

/** Loads `--store MODULE`, checks its shape (a wrong one is a usage error, exit 1) and opens it. */
export async function loadStore(modulePath: string, workDir: string): Promise<UserStore> {
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(modulePath).href)) as { default?: unknown };
  } catch (error) {
    throw new UsageError(`--store: cannot load ${modulePath}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const store = mod.default as Partial<BenchStore> | undefined;
  const problems: string[] = [];
  if (typeof store !== "object" || store === null) problems.push(`the default export is ${describe(store)}, not an object`);
  else {
    if (typeof store.name !== "string" || store.name === "") problems.push("`name` must be a non-empty string");
    if (store.note !== undefined && typeof store.note !== "string") problems.push("`note`, when given, must be a string");
    if (typeof store.get !== "function") problems.push("`get(key)` must be a function");
    if (typeof store.put !== "function") problems.push("`put(entry)` must be a function");
    for (const hook of ["open", "close"] as const) if (store[hook] !== undefined && typeof store[hook] !== "function") problems.push(`\`${hook}\`, when given, must be a function`);
  }
  if (problems.length > 0) throw new UsageError(`--store ${modulePath}: ${problems.join("; ")} (see benchmarks/PERFORMANCE.md, "Your own cache store")`);
  const s = store as BenchStore;
  const dir = path.join(workDir, `store-${s.name.replace(/[^A-Za-z0-9._-]+/g, "_")}`);
  // A fresh folder each run: entries left by an earlier run would make the first sizes free.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await s.open?.({ dir });
  const given = new Set<Hash>();
  return {
    store: s,
    module: modulePath,
    async ensure(hashes, target, artifactPath, log) {
      const todo = hashes.filter((h) => !given.has(h));
      const started = performance.now();
      for (let i = 0; i < todo.length; i++) {
        await s.put(sampleEntry(todo[i]!, target, artifactPath, ""));
        given.add(todo[i]!);
        if (i > 0 && i % 100_000 === 0) log(`  ${s.name}: ${i.toLocaleString("en")} / ${todo.length.toLocaleString("en")} entries`);
      }
      if (todo.length > 0) log(`  ${s.name}: ${todo.length.toLocaleString("en")} entries put in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      // No figure is taken from a store that does not answer correctly through its own API.
      for (const h of [hashes[0], hashes[hashes.length - 1]]) {
        if (h === undefined) continue;
        const got = await s.get({ hash: h, target });
        if (got?.hash !== h) throw new Error(`store "${s.name}" (${modulePath}) does not return the entry put under ${h}`);
      }
      if ((await s.get({ hash: missHash(0), target })) !== undefined) throw new Error(`store "${s.name}" (${modulePath}) answers a key it was never given`);
    },
    async close() {
      await s.close?.();
    },
  };
}
