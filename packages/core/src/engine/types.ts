import type { BatchItem, BatchRequest, BatchResult } from "../build/batch-types.js";
import type { BuildRequest, BuildResult } from "../build/build-types.js";
import type { LocalStore } from "../cache/local-store.js";
import type { MemoryStore } from "../cache/memory-store.js";
import type { CacheEntry, CacheHit } from "../cache/types.js";
import type { Validation } from "../definition/problems.js";
import type { FieldDefinition } from "../definition/sections.js";
import type { CanonicalSpec, Hash, HashResult, LoadedSpec, ParsedSpec, SpecSource } from "../definition/spec.js";
import type { Explanation } from "../hash/explain.js";
import type { EngineHooks } from "../hooks.js";
import type { InputLimits } from "../policy/limits.js";
import type { HostPolicy } from "../policy/policy.js";
import type { ResolvedActivation } from "../run/activation.js";
import type { ActivationRequest, RunRequest, RunResult } from "../run/run.js";
import type { EngineEvent } from "./events.js";
import type { GenerationInfo } from "./generations.js";
import type { TargetFit, TargetRegistry } from "./targets.js";

/** A plugin: a name and an `apply` that taps the engine's hooks under that name. */
export interface EnginePlugin {
  name: string;
  apply(engine: Engine): void;
}

export interface EngineOptions {
  plugins?: EnginePlugin[];
  /** Root of the embedded local cache. Default: `$XDG_CACHE_HOME/envforge` or `~/.cache/envforge`. */
  cacheDir?: string;
  /** Entries kept in the in-memory first tier. */
  memoryEntries?: number;
  limits?: Partial<InputLimits>;
  /** Allow referenced files outside the definition's folder (off: a shared definition can't read your files). */
  allowFilesOutsideRoot?: boolean;
  /** Strings never to write into logs or events (tokens, passwords), in addition to builder secrets. */
  secrets?: string[];
  /**
   * A build lock not refreshed for this long belongs to a holder that hung or died on another
   * machine and is taken over (one that died on this machine is taken over at once). Default 15 s.
   */
  lockStaleMs?: number;
  /**
   * Names this engine's pipeline — its plugins and their versions — for the source memo: when
   * set, resolving a definition file records the hash it got and the digests of the files behind
   * it, so `@envforge/core/quick` can answer a later process's first hit without loading any of
   * this (see quick/source-memo.ts). Change it whenever a plugin that parses or canonicalizes changes.
   */
  pipelineId?: string;
  /**
   * The folder relative paths in builder options are read against (`pip.findLinks: ["./wheels"]`,
   * `spark.ivyJar`, `podman.storageConf`…): builders resolve them here before a tool, which runs
   * in a scratch folder of the cache, sees them. Default: `process.cwd()` when the engine is
   * created. The definition's own paths are read against its file's folder, as ever.
   */
  baseDir?: string;
  /**
   * An engine that only looks (`envforge build --dry-run`): resolving records no source memo, a
   * lookup writes nothing (no seal written back, no corrupt entry moved aside, no backfill, no
   * registry image pulled) and `build` refuses to build on a miss.
   */
  readOnly?: boolean | undefined;
  /**
   * What definitions may do (policy/policy.ts). Fields left out keep the permissive defaults;
   * `allowFilesOutsideRoot` above is the same as `policy.allowOutsideFiles` (kept for hosts that set it).
   */
  policy?: Partial<HostPolicy>;
}

/** A definition parsed, validated and hashed: what `resolve` returns and `build` starts from. */
export interface ResolvedSpec {
  parsed: ParsedSpec;
  result: HashResult;
}

/**
 * The engine a host embeds and every plugin taps (`createEngine`, engine.ts). Stages can be run
 * one at a time (`load` … `lookup`) or all at once (`build`); everything a plugin adds goes
 * through `hooks`.
 */
export interface Engine {
  /** Every hook, frozen (hooks.ts); plugins tap them in `apply`. */
  readonly hooks: EngineHooks;
  /** The options the engine was created with, as the host passed them. */
  readonly options: EngineOptions;
  /** What definitions may do (the host's policy over the permissive defaults): read by core and every plugin. */
  readonly policy: HostPolicy;
  /** The cache root: the host's `cacheDir` (resolved to an absolute path) or the default; the local store lives in its `v1/`. */
  readonly cacheDir: string;
  /** Where relative paths in builder options are read from: the host's `baseDir` (absolute) or the working directory at creation. */
  readonly baseDir: string;
  /** The two embedded tiers: the local store on disk and the in-memory first tier. */
  readonly cache: { readonly local: LocalStore; readonly memory: MemoryStore };
  /** Build targets and the sections each carries: plugins declare theirs beside their `build` tap. */
  readonly targets: TargetRegistry;

  /** Stamps an event with its time, masks secrets, and hands it to `hooks.event`'s listeners. */
  emit(event: EngineEvent): void;

  /** Stage `load`: read a definition (file, text or object). */
  load(source: SpecSource): Promise<LoadedSpec>;
  /** Stages `parse` + `validate`: schema check, each section's parser, cross-section checks. */
  parse(loaded: LoadedSpec): Promise<ParsedSpec>;
  /** Stage `canonicalize`: each section's canonical form. Synchronous: the hit path is hot. */
  canonicalize(parsed: ParsedSpec): CanonicalSpec;
  /** Stages `canonicalize` + hash inputs + `hash` of a parsed definition. */
  hashParsed(parsed: ParsedSpec): HashResult;
  /** Load, parse, validate, canonicalize and hash (recording the source memo of a file when the engine has a `pipelineId`). */
  resolve(source: SpecSource | ParsedSpec): Promise<ResolvedSpec>;
  /** The `efh1:` hash of a definition. */
  hash(source: SpecSource | ParsedSpec): Promise<HashResult>;
  /** Every problem of a definition, in file order, where `resolve` throws the first; without problems, its hash. */
  validate(source: SpecSource): Promise<Validation>;
  /** Stage `lookup`: ask each store in order; a lower tier's hit is recorded in the faster ones. */
  lookup(hash: Hash, target: string, canonical?: CanonicalSpec): Promise<CacheHit | undefined>;
  /**
   * The whole pipeline: resolve, look up, and build only on a miss (one build per key across
   * processes). With `request.generation`: serves that generation from the local store, never builds.
   */
  build(source: SpecSource | ParsedSpec, request: BuildRequest): Promise<BuildResult>;
  /**
   * Rollback: every generation of a (hash, target) the local store keeps, oldest first, each
   * with whether it can still be served (generations.ts).
   */
  generations(hash: Hash, target: string): Promise<GenerationInfo[]>;
  /**
   * Rollback: makes generation n current again, under the key's build lock. The current entry is
   * kept as a generation (nothing is lost); n must be servable (else E_NOT_FOUND naming what exists).
   */
  promote(hash: Hash, target: string, generation: number): Promise<CacheEntry>;
  /**
   * Many definitions at once (build/build-all.ts): each distinct hash built once, hits answered
   * first, the misses spread over `lanes` (engines) with `concurrency` builds per lane; a lane whose
   * engine fails hands its builds to another. Never throws for one item: each has its status.
   */
  buildAll(items: readonly BatchItem[], request: BatchRequest): Promise<BatchResult>;
  /** Refuses, before any lookup, a target no plugin builds or one that would leave a section out (targets.ts). */
  checkTarget(resolved: ResolvedSpec, request: Pick<BuildRequest, "target" | "pythonOnly">): TargetFit;
  /** Which canonical fields differ between two definitions (why one misses the other's entry). */
  explain(a: SpecSource | ParsedSpec, b: SpecSource | ParsedSpec): Promise<Explanation>;
  /** How to run a command inside a built entry: its target's `activate` tap, the runtime variables last (run/run.ts). */
  activation(entry: CacheEntry, request?: ActivationRequest): Promise<ResolvedActivation>;
  /** Runs `argv` inside a built entry (no shell), holding it against `cache gc`; resolves to the command's exit status. */
  run(entry: CacheEntry, argv: readonly string[], request?: RunRequest): Promise<RunResult>;
  /** JSON Schema of the definition file, composed from the loaded plugins. */
  jsonSchema(): Record<string, unknown>;
  /** Every field the loaded plugins accept, with its section. */
  fields(): FieldDefinition[];
}
