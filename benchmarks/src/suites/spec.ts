import { hash as cryptoHash } from "node:crypto";
import { readFileSync } from "node:fs";
import fastStableStringify from "fast-json-stable-stringify";
import { EnvforgeError, formatError, type Engine, type HashResult, type ParsedSpec } from "@envforge/core/plugin-kit";
import { displayPath, UsageError } from "../config.js";
import { benchEngine } from "../envforge.js";
import { filledHashes, fillLocalCache } from "../fill.js";
import { compare } from "../harness.js";
import type { CaseResult } from "../model.js";
import { limitSubject, peerSubjects } from "../peers.js";
import { userStoreSubject } from "./cache.js";
import type { SuiteContext } from "./context.js";

/** The key every definition is looked up under: the hash decides, any target would do. */
const TARGET = "venv";

export interface LoadedSpecFile {
  file: string;
  /** The path as shown in the results: relative to the current folder when inside it. */
  label: string;
  parsed: ParsedSpec;
  result: HashResult;
}

/**
 * Loads, parses and hashes each `--spec` file once, before any suite runs: a definition envforge
 * refuses is the user's input to fix (exit 1, the error as `envforge validate` prints it), not a
 * benchmark failure found an hour into a full run.
 */
export async function loadSpecFiles(ctx: SuiteContext): Promise<LoadedSpecFile[]> {
  const engine = benchEngine(ctx.scratch("spec-hash-cache"));
  const out: LoadedSpecFile[] = [];
  for (const file of ctx.config.specs) {
    try {
      const parsed = await engine.parse(await engine.load({ path: file }));
      out.push({ file, label: displayPath(file), parsed, result: engine.hashParsed(parsed) });
    } catch (error) {
      if (error instanceof EnvforgeError) throw new UsageError(`--spec ${file}: envforge refuses this definition:\n${formatError(error)}`);
      throw error;
    }
  }
  return out;
}

async function fromFileCase(ctx: SuiteContext, engine: Engine, spec: LoadedSpecFile, id: string): Promise<CaseResult> {
  const bytes = readFileSync(spec.file);
  const rows = await compare(
    [
      {
        name: "envforge load + parse + hashParsed",
        role: "envforge",
        fn: async () => engine.hashParsed(await engine.parse(await engine.load({ path: spec.file }))),
        note: "reads the file and every file it references, validates, canonicalizes every section, sha256",
      },
      {
        name: "envforge load + fast-json-stable-stringify + sha256",
        role: "peer",
        fn: async () => cryptoHash("sha256", fastStableStringify((await engine.load({ path: spec.file })).data), "hex"),
        note: "the same YAML reading; hashes the object as written, referenced files unread",
      },
      { name: "limit: readFileSync + sha256 of the file's bytes", role: "limit", fn: () => cryptoHash("sha256", readFileSync(spec.file), "hex") },
    ],
    ctx.config,
  );
  return { suite: "spec", id, title: `Your definition ${spec.label}: read, parse and hash`, unit: "µs", rows, notes: [`${bytes.length} bytes; ${spec.result.hash}`] };
}

async function parsedCase(ctx: SuiteContext, engine: Engine, spec: LoadedSpecFile, id: string): Promise<CaseResult> {
  const rows = await compare(
    [
      { name: "envforge hashParsed", role: "envforge", fn: () => engine.hashParsed(spec.parsed), note: "canonicalize every section + serialize + sha256" },
      ...peerSubjects([spec.parsed.loaded.data]),
      limitSubject([spec.result.canonicalText]),
    ],
    ctx.config,
  );
  const canonicalBytes = Buffer.byteLength(spec.result.canonicalText);
  return { suite: "spec", id, title: `Your definition ${spec.label}: hash of the parsed definition`, unit: "µs", rows, notes: [`canonical text ${canonicalBytes} bytes; peers hash the loaded YAML object`] };
}

async function lookupCase(ctx: SuiteContext, disk: Engine, spec: LoadedSpecFile, id: string, size: number): Promise<CaseResult> {
  const key = { hash: spec.result.hash, target: TARGET };
  const map = new Map<string, unknown>([[`${TARGET}:${spec.result.hash}`, {}]]);
  const rows = await compare(
    [
      { name: "envforge lookup (local disk tier)", role: "envforge", fn: () => disk.lookup(key.hash, TARGET), note: "memory tier off: every lookup reads the entry file" },
      ...userStoreSubject(ctx, "get", () => ctx.store!.store.get(key)),
      { name: "limit: Map.get", role: "limit", fn: () => map.get(`${TARGET}:${key.hash}`) },
    ],
    ctx.config,
  );
  return { suite: "spec", id, title: `Your definition ${spec.label}: cache hit`, unit: "µs", rows, notes: [`a store of ${size.toLocaleString("en")} entries holding this definition's entry (key ${key.hash}, ${TARGET})`] };
}

/** Per `--spec` file: the whole hash from the file, the hash of the parsed definition, a cache hit. */
export async function specSuite(ctx: SuiteContext, specs: readonly LoadedSpecFile[]): Promise<{ cases: CaseResult[] }> {
  const engine = benchEngine(ctx.scratch("spec-hash-cache"));
  const hashes = [...new Set(specs.map((s) => s.result.hash))];
  const size = Math.max(ctx.config.cacheSizes[0] ?? 1, hashes.length);
  const dir = ctx.scratch("spec-local");
  const { artifactPath } = fillLocalCache(dir, size, TARGET, hashes, ctx.config.log);
  await ctx.store?.ensure(filledHashes(size, hashes), TARGET, artifactPath, ctx.config.log);
  const disk = benchEngine(dir, { memoryEntries: 0 });
  for (const h of hashes) {
    // The entry answers through the engine before any figure is taken (and is sealed on this first hit).
    if (!(await disk.lookup(h, TARGET))) throw new Error(`the filled cache misses ${h}`);
    await ctx.store?.store.get({ hash: h, target: TARGET });
  }
  const cases: CaseResult[] = [];
  for (const [n, spec] of specs.entries()) {
    ctx.config.log(`spec: ${spec.label}`);
    const id = `spec-${n + 1}`;
    cases.push(await fromFileCase(ctx, engine, spec, `${id}-file`), await parsedCase(ctx, engine, spec, `${id}-parsed`), await lookupCase(ctx, disk, spec, `${id}-hit`, size));
  }
  return { cases };
}
