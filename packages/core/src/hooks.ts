import {
  AsyncSeriesBailHook,
  AsyncSeriesHook,
  HookMap,
  SyncBailHook,
  SyncHook,
  SyncWaterfallHook,
} from "tapable";
import type { Activation, ActivationContext } from "./run/activation.js";
import type { BuildContext, BuildOutput } from "./build/build-types.js";
import type { CacheEntry, CacheHit, CacheKey, DiscardContext } from "./cache/types.js";
import type { Claim, CoordinateContext } from "./build/coordinate-types.js";
import type { EngineEvent } from "./engine/events.js";
import type { ImageFragment, ImageFragmentContext } from "./build/image-types.js";
import type { CanonicalizeContext, ParseContext, SchemaBuilder, SectionFields } from "./definition/sections.js";
import type { CanonicalSpec, CanonicalValue, HashResult, LoadedSpec, ParsedSpec, SpecSource } from "./definition/spec.js";
import type { ImportRequest, ImportResult, PinContext, PinOutcome, PinRequest } from "./workspace-hooks-types.js";
import type { LockContext, LockPart, LockRequest } from "./lock/lock-hook-types.js";

/**
 * Every hook of the engine, in pipeline order. Declared once here; `engine.hooks` is frozen.
 */
export function createHooks() {
  return Object.freeze({
    /**
     * SyncHook — plugins declare the fields and sections they own. Called once, lazily, before the
     * first definition is read.
     */
    schema: new SyncHook<[schema: SchemaBuilder]>(["schema"]),

    /**
     * AsyncSeriesBailHook — read a definition. The first tap returning a `LoadedSpec` wins; core's
     * own tap (stage 100) reads files from disk, so hosts can serve definitions from elsewhere.
     */
    load: new AsyncSeriesBailHook<[source: SpecSource], LoadedSpec | undefined>(["source"]),

    /**
     * HookMap of AsyncSeriesBailHook, keyed by section — parse the section's raw fields (and files
     * they reference). Returns the plugin's own parsed value; `undefined` means "not mine".
     */
    parseSection: new HookMap(
      () => new AsyncSeriesBailHook<[fields: SectionFields, ctx: ParseContext], unknown>(["fields", "ctx"]),
    ),

    /**
     * AsyncSeriesHook — cross-section checks after parsing. Taps throw `EnvforgeError` to refuse.
     */
    validate: new AsyncSeriesHook<[spec: ParsedSpec]>(["spec"]),

    /**
     * HookMap of SyncBailHook, keyed by section — the section's canonical form (sets sorted and
     * deduplicated, each ecosystem's normalization applied). `undefined` means "contributes nothing".
     * The engine deep-freezes the value; one already frozen is taken as is (its parts must be too).
     */
    canonicalizeSection: new HookMap(
      () =>
        new SyncBailHook<[parsed: unknown, ctx: CanonicalizeContext], CanonicalValue | undefined>([
          "parsed",
          "ctx",
        ]),
    ),

    /**
     * SyncWaterfallHook — the canonical spec just before it is serialized. A tap may add a field
     * (a host's own salt); doing so changes every hash, deliberately.
     */
    hashInputs: new SyncWaterfallHook<[canonical: CanonicalSpec]>(["canonical"]),

    /** SyncHook — observes each computed hash. The algorithm itself is fixed by the contract. */
    hash: new SyncHook<[result: HashResult]>(["result"]),

    /**
     * AsyncSeriesBailHook — find a cache entry. Stores tap at their stage (memory -10, local 10,
     * daemon 15, network 20); the first `CacheHit` wins. A store that fails must warn and return
     * `undefined`, never throw: a cache is an optimisation.
     */
    lookup: new AsyncSeriesBailHook<[key: CacheKey, canonical: CanonicalSpec], CacheHit | undefined>([
      "key",
      "canonical",
    ]),

    /**
     * AsyncSeriesHook — a lower tier answered; faster tiers record the entry (a registry hit is
     * recorded locally). `from` names the store that answered.
     */
    backfill: new AsyncSeriesHook<[entry: CacheEntry, from: string]>(["entry", "from"]),

    /**
     * HookMap of AsyncSeriesBailHook, keyed by target — is a locally recorded build still there?
     * Return a reason (a string) when its artifact is gone (an image removed from the engine):
     * the entry then counts as a miss. `undefined` means "present, or I cannot tell".
     */
    verify: new HookMap(() => new AsyncSeriesBailHook<[entry: CacheEntry], string | undefined>(["entry"])),

    /**
     * HookMap of AsyncSeriesHook, keyed by target — an entry (or a replaced generation) was
     * removed from the local store (`cache gc`, `cache rm`): remove what it made outside the cache
     * folder (the image in its engine; with `ctx.registry`, its registry tags). Called after the
     * entry file is gone, under the key's build lock, and only for an artifact no kept entry
     * shares. A tap that fails throws: the caller reports it, the entry stays removed.
     */
    discard: new HookMap(() => new AsyncSeriesHook<[entry: CacheEntry, ctx: DiscardContext]>(["entry", "ctx"])),

    /**
     * HookMap of AsyncSeriesHook, keyed by target — `engine.promote` made this entry (a replaced
     * generation) current again: point names outside the cache at it (an image's tags). Called
     * under the key's build lock, after the entry file was replaced; a tap that throws is a
     * `W_PROMOTE_INCOMPLETE` warning, and the promote stands.
     */
    promote: new HookMap(() => new AsyncSeriesHook<[entry: CacheEntry]>(["entry"])),

    /**
     * AsyncSeriesBailHook — on a miss, under this machine's lock for (hash, target), before
     * building: a coordinator shared by many machines (plugin-redis) decides who builds. A `build`
     * claim builds here (released when the build ends); `released` means another machine built
     * or gave up, so the engine looks up again first. `undefined` (no coordinator, or one that
     * cannot be reached) builds with the local lock only.
     */
    coordinate: new AsyncSeriesBailHook<[key: CacheKey, ctx: CoordinateContext], Claim | undefined>(["key", "ctx"]),

    /**
     * HookMap of AsyncSeriesBailHook, keyed by target — build on a miss. The first tap returning a
     * `BuildOutput` wins; no tap for a target is `E_NO_BUILDER`.
     */
    build: new HookMap(
      () => new AsyncSeriesBailHook<[ctx: BuildContext], BuildOutput | undefined>(["ctx"]),
    ),

    /**
     * HookMap of AsyncSeriesBailHook, keyed by target — how to run a command inside a built
     * artifact of this target (activation.ts). The first tap returning an `Activation` wins; no tap
     * for a target means it cannot be run (`envforge run` refuses it).
     */
    activate: new HookMap(
      () => new AsyncSeriesBailHook<[entry: CacheEntry, ctx: ActivationContext], Activation | undefined>(["entry", "ctx"]),
    ),

    /**
     * HookMap of AsyncSeriesBailHook, keyed by section — the section's part of a container image
     * (used by image builders such as docker and podman). `undefined` means "nothing to add".
     */
    imageFragment: new HookMap(
      () =>
        new AsyncSeriesBailHook<[value: CanonicalValue, ctx: ImageFragmentContext], ImageFragment | undefined>([
          "value",
          "ctx",
        ]),
    ),

    /**
     * AsyncSeriesHook — record a fresh build in every writable store. Runs after the build
     * succeeded; the local store writes its entry file last so a crash never leaves a valid-looking
     * entry.
     */
    store: new AsyncSeriesHook<[entry: CacheEntry, ctx: BuildContext]>(["entry", "ctx"]),

    /** SyncHook — every event the engine emits (see `EngineEvent`). Progress is rendered from here. */
    event: new SyncHook<[event: EngineEvent]>(["event"]),

    // Workspace hooks: not stages of a build. `envforge pin` and `envforge import` call them, so
    // that the workspace knows no ecosystem (workspace-hooks-types.ts).

    /**
     * HookMap of AsyncSeriesBailHook, keyed by section — fix the section's unpinned packages to
     * the versions a build's lock records (`ctx.lock`), editing the definition and its files
     * through `ctx` (comments and layout kept). Returns what it changed and what the lock does
     * not know, in the order it met them; `undefined` means "nothing of mine to pin".
     */
    pin: new HookMap(
      () => new AsyncSeriesBailHook<[request: PinRequest, ctx: PinContext], PinOutcome | undefined>(["request", "ctx"]),
    ),

    /**
     * HookMap of AsyncSeriesBailHook, keyed by format (`requirements`, `conda`) — turn a file of
     * that format into a definition's fields. The first `ImportResult` wins; no tap for a format
     * means no loaded plugin imports it (`E_NO_PLUGIN`).
     */
    import: new HookMap(() => new AsyncSeriesBailHook<[request: ImportRequest], ImportResult | undefined>(["request"])),

    /**
     * HookMap of AsyncSeriesBailHook, keyed by section — resolve the section completely, without
     * building, for the request's Python version and platform (`envforge lock`, lock/lock-resolve.ts):
     * its part of the lock (`pip`, `conda`, `spark`, `image`). `undefined`: nothing of mine to lock.
     */
    lock: new HookMap(() => new AsyncSeriesBailHook<[request: LockRequest, ctx: LockContext], LockPart | undefined>(["request", "ctx"])),
  });
}

export type EngineHooks = ReturnType<typeof createHooks>;
