import { mkdir, rm } from "node:fs/promises";
import { appendFileSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { Hook, HookMap } from "tapable";
import { hashCanonicalText, serializeCanonical, sortKeys } from "./canonical.js";
import { defaultCacheDir } from "./cache-dir.js";
import { DEFAULT_LOCK_STALE_MS, LocalStore } from "./cache/local-store.js";
import type { LockHolder } from "./cache/lock.js";
import { readOnlyWarning, unwritable } from "./cache/read-only.js";
import { MemoryStore } from "./cache/memory-store.js";
import { recordContents } from "./cache/record-contents.js";
import { checkSeal } from "./cache/seal.js";
import { STAGE_LOCAL, STAGE_MEMORY, type CacheEntry, type CacheHit, type CacheKey } from "./cache/types.js";
import type { BuildContext, BuildRequest, BuildResult } from "./build-types.js";
import { cacheIoError, fullDiskBuildError, isDiskFull, nearlyFullDisk } from "./cache/io-error.js";
import { stopStrays } from "./cache/strays.js";
import { checkTimeoutMs, delay, toBuildError, untilAborted } from "./build-support.js";
import { EnvforgeError, createError, PluginError } from "./errors.js";
import type { EngineEvent, StageName } from "./events.js";
import { sourceRecorder } from "./source-recorder.js";
import { explainCanonical, type Explanation } from "./explain.js";
import { deepFreeze } from "./freeze.js";
import { createHooks, type EngineHooks } from "./hooks.js";
import { guardHook, guardHookMap } from "./intercept.js";
import { effectiveLimits, type InputLimits } from "./limits.js";
import { loadSource } from "./loader.js";
import { parseSpec, type ProblemList } from "./parse.js";
import { sortProblems, validateEach, type Validation } from "./problems.js";
import { checkDeniedVariables } from "./denied-variables.js";
import { applyPythonSection, checkUserManaged } from "./python-section.js";
import { builderOptionSecrets, createRedactor } from "./redact.js";
import { toolEnvSecrets } from "./tool-env.js";
import { SchemaRegistry } from "./schema.js";
import { resolvePolicy, type HostPolicy } from "./policy.js";
import { resolveActivation, runInside, type ActivationRequest, type RunRequest, type RunResult } from "./run.js";
import type { ResolvedActivation } from "./activation.js";
import { policyFingerprint } from "./policy-fingerprint.js";
import { checkTarget, sectionsOf, TargetRegistry, type TargetFit } from "./targets.js";
import type { CanonicalSpec, CanonicalValue, Hash, HashResult, LoadedSpec, ParsedSpec, SpecSource } from "./spec.js";

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
   * this (see source-memo.ts). Change it whenever a plugin that parses or canonicalizes changes.
   */
  pipelineId?: string;
  /**
   * An engine that only looks (`envforge build --dry-run`): resolving records no source memo, a
   * lookup writes nothing (no seal written back, no corrupt entry moved aside, no backfill, no
   * registry image pulled) and `build` refuses to build on a miss.
   */
  readOnly?: boolean | undefined;
  /**
   * What definitions may do (policy.ts). Fields left out keep the permissive defaults;
   * `allowFilesOutsideRoot` above is the same as `policy.allowOutsideFiles` (kept for hosts that set it).
   */
  policy?: Partial<HostPolicy>;
}

/** How long an aborted build's builder may take to stop before the engine returns without it. */
const ABORT_GRACE_MS = 5_000;

const MEMORY_TAP = "envforge:memory";

type WarningEvent = Extract<EngineEvent, { type: "warning" }>;

export interface ResolvedSpec {
  parsed: ParsedSpec;
  result: HashResult;
}

export type Engine = ReturnType<typeof createEngine>;

export function createEngine(options: EngineOptions = {}) {
  const hooks: EngineHooks = createHooks();
  for (const [name, hook] of Object.entries(hooks)) {
    if (name === "event") continue; // listeners of events must not turn into plugin errors of the emitter
    if ("for" in hook) guardHookMap(hook as unknown as HookMap<Hook<unknown[], unknown>>, name);
    else guardHook(hook as unknown as Hook<unknown[], unknown>, name);
  }
  const policy = resolvePolicy({ allowOutsideFiles: options.allowFilesOutsideRoot ?? false, ...options.policy });
  const limits: InputLimits = effectiveLimits(options.limits, policy.limits);
  const registry = new SchemaRegistry();
  // What each target's artifact carries (targets.ts): a build that would leave a section out is refused before lookup.
  const targets = new TargetRegistry();
  const local = new LocalStore(options.cacheDir ?? defaultCacheDir(), { readOnly: options.readOnly });
  // The memory tier re-checks an entry's seal at most once a second (memory-store.ts).
  const memory = new MemoryStore(options.memoryEntries, (entry) => checkSeal(entry, local.root).corrupt === undefined);
  // Values of variables the host passes to tools are credentials: masked in every event.
  const redact = createRedactor([...(options.secrets ?? []), ...toolEnvSecrets(policy)]);
  const inflight = new Map<string, Promise<BuildResult>>();
  // The source memo (quick path): each parse's warnings, replayed on a quick hit.
  const parseWarnings = new WeakMap<ParsedSpec, WarningEvent[]>();
  const recordSource =
    options.pipelineId === undefined || options.readOnly
      ? undefined
      : sourceRecorder(hooks, local, { pipeline: options.pipelineId, policy: policyFingerprint(policy, limits) }, (parsed, result) => targets.unfit(sectionsOf(parsed, result.canonical)));
  let schemaReady = false;

  const emit = (event: EngineEvent): void => {
    // The one place events are stamped: every listener sees when it happened (events.ts `time`).
    if (hooks.event.isUsed()) hooks.event.call(redact.event({ ...event, time: Date.now() }));
  };
  /** After a failed write that only records (a memo, a backfill): true, warned once, when the cache is read-only. */
  const readOnlyCache = (): boolean => {
    const errno = unwritable(path.dirname(local.root));
    const warning = errno && readOnlyWarning(path.dirname(local.root), errno);
    if (warning) emit(warning);
    return errno !== undefined;
  };
  // A listener that throws (a renderer with a bug) must not fail the build that emitted, nor starve
  // the listeners after it: its fault goes to the other listeners as an E_PLUGIN warning.
  let reportingListenerFault = false;
  hooks.event.intercept({
    register: (tap) => {
      const listener = tap.fn as (event: EngineEvent) => void;
      return {
        ...tap,
        fn: (event: EngineEvent) => {
          try {
            listener(event);
          } catch (cause) {
            if (reportingListenerFault) return;
            reportingListenerFault = true;
            try {
              const fault = new PluginError(tap.name, "event", cause);
              hooks.event.call({ type: "warning", code: fault.code, message: fault.message, hint: fault.hint });
            } finally {
              reportingListenerFault = false;
            }
          }
        },
      };
    },
  });

  const timed = async <T>(stage: StageName, run: () => Promise<T> | T, key?: Partial<CacheKey>): Promise<T> => {
    const start = performance.now();
    emit({ type: "stage.start", stage, hash: key?.hash, target: key?.target });
    try {
      return await run();
    } finally {
      emit({ type: "stage.finish", stage, durationMs: performance.now() - start, hash: key?.hash, target: key?.target });
    }
  };

  const ensureSchema = () => {
    if (schemaReady) return;
    hooks.schema.call(registry);
    schemaReady = true;
  };

  // Core's own taps: the file loader (last, so hosts can serve definitions first), the interpreter
  // section, and the two embedded cache tiers.
  hooks.load.tapPromise({ name: "envforge:file", stage: 100 }, (source) => loadSource(source, limits));
  applyPythonSection(hooks);
  hooks.validate.tap("envforge:user-managed", (spec) => checkUserManaged(spec, registry, policy));
  hooks.validate.tap("envforge:policy", (spec) => checkDeniedVariables(spec, policy));
  hooks.lookup.tap({ name: MEMORY_TAP, stage: STAGE_MEMORY }, (key) => {
    const entry = memory.get(key);
    return entry ? { entry, store: "memory" } : undefined;
  });
  /**
   * An entry of the local store whose artifact still exists. Folders are checked by the store; an
   * artifact that lives elsewhere (an image in an engine someone ran `rmi` on) is checked by the
   * target's `verify` taps, and a gone artifact is a miss, rebuilt as a new generation.
   */
  const verified = async (entry: CacheEntry): Promise<CacheEntry | undefined> => {
    const hook = hooks.verify.get(entry.target);
    if (!hook?.isUsed()) return entry;
    const gone = await hook.promise(entry);
    if (gone === undefined) return entry;
    memory.delete(entry);
    emit({ type: "warning", code: "W_ARTIFACT_GONE", message: `${gone}; rebuilding ${entry.hash} for ${entry.target}`, hint: "the cache entry stays as an older generation until collected" });
    return undefined;
  };
  hooks.lookup.tapPromise({ name: "envforge:local", stage: STAGE_LOCAL }, async (key) => {
    const { entry: found, miss } = await local.get(key);
    const entry = found && (await verified(found));
    if (entry) return { entry, store: "local" };
    if (miss?.corrupt) {
      emit({ type: "warning", code: "E_CACHE_CORRUPT", message: `${miss.corrupt}; treating it as a miss`, hint: "it is moved aside and rebuilt" });
      if (!options.readOnly) await local.quarantine(key);
    }
    return undefined;
  });
  const memoryFirst = () =>
    hooks.lookup.taps[0]?.name === MEMORY_TAP && hooks.lookup.interceptors.every((i) => !i.call && !i.tap && !i.result && !i.error && !i.done);
  hooks.backfill.tap("envforge:memory", (entry) => memory.put(entry));
  hooks.backfill.tapPromise("envforge:local", async (entry, from) => {
    if (from === "local" || from === "memory") return;
    // A read-only cache still answers a hit from another tier: only the copy into it is skipped.
    await local.put(entry).catch((cause: unknown) => {
      if (!readOnlyCache()) throw cause;
    });
  });
  hooks.store.tapPromise({ name: "envforge:local", stage: STAGE_LOCAL }, (entry) => local.put(entry));
  hooks.store.tap({ name: "envforge:memory", stage: STAGE_MEMORY }, (entry) => memory.put(entry));

  const engine = {
    hooks,
    options,
    /** What definitions may do: read by core and every plugin. */
    policy,
    cache: { local, memory },
    /** Build targets and the sections each carries: plugins declare theirs beside their `build` tap. */
    targets,

    emit,

    /** Stage `load`: read a definition (file, text or object). */
    async load(source: SpecSource): Promise<LoadedSpec> {
      return timed("load", async () => {
        const loaded = await hooks.load.promise(source);
        if (!loaded) throw createError("E_NOT_FOUND", "no loader accepted the definition source");
        return loaded;
      });
    },

    /** Stages `parse` + `validate`: schema check, each section's parser, cross-section checks. */
    async parse(loaded: LoadedSpec): Promise<ParsedSpec> {
      ensureSchema();
      const warnings: WarningEvent[] = [];
      const collect = (event: EngineEvent) => {
        if (event.type === "warning") warnings.push(redact.event(event) as WarningEvent);
        emit(event);
      };
      const parsed = await timed("parse", () =>
        parseSpec(loaded, { hooks, registry, limits, allowFilesOutsideRoot: policy.allowOutsideFiles, policy, emit: collect }),
      );
      parseWarnings.set(parsed, warnings);
      await timed("validate", () => hooks.validate.promise(parsed));
      return parsed;
    },

    /** Stage `canonicalize`: each section's canonical form. Synchronous: the hit path is hot. */
    canonicalize(parsed: ParsedSpec): CanonicalSpec {
      const sections: Record<string, CanonicalValue> = {};
      for (const name of sortKeys(Object.keys(parsed.sections))) {
        const hook = hooks.canonicalizeSection.get(name);
        if (!hook || !hook.isUsed()) {
          throw createError("E_NO_PLUGIN", `no loaded plugin canonicalizes the section "${name}"`, {
            hint: "a section that cannot be canonicalized is never hashed raw",
          });
        }
        const value = hook.call(parsed.sections[name], { section: name });
        if (value !== undefined) sections[name] = deepFreeze(value);
      }
      return Object.freeze({ contract: "efh1", sections: Object.freeze(sections) });
    },

    /** Stages `canonicalize` + hash inputs + `hash` of a parsed definition. */
    hashParsed(parsed: ParsedSpec): HashResult {
      // Frozen: a hashInputs tap may add fields by returning a new object, never edit another's section.
      const canonical = deepFreeze(hooks.hashInputs.call(engine.canonicalize(parsed)));
      const canonicalText = serializeCanonical(canonical);
      const result: HashResult = Object.freeze({ hash: hashCanonicalText(canonicalText), canonical, canonicalText });
      if (hooks.hash.isUsed()) hooks.hash.call(result);
      return result;
    },

    /** Load, parse, validate, canonicalize and hash. */
    async resolve(source: SpecSource | ParsedSpec): Promise<ResolvedSpec> {
      const parsed = isParsed(source) ? source : await engine.parse(await engine.load(source));
      const result = await timed("hash", () => engine.hashParsed(parsed));
      if (recordSource && !isParsed(source) && (typeof source === "string" || "path" in source)) {
        if (!recordSource(parsed, result, parseWarnings.get(parsed) ?? [])) readOnlyCache();
      }
      return { parsed, result };
    },

    /** The `efh1:` hash of a definition. */
    async hash(source: SpecSource | ParsedSpec): Promise<HashResult> {
      return (await engine.resolve(source)).result;
    },

    /**
     * Every problem of a definition, in file order (problems.ts), where `resolve` stops at the
     * first: each schema problem, each section parsed on its own, each problem a parser reports
     * (`ParseContext.report`), each `validate` tap. Without problems, the hash as `resolve` gives it.
     */
    async validate(source: SpecSource): Promise<Validation> {
      ensureSchema();
      const collected: ProblemList = { problems: [], partial: false };
      const { problems } = collected;
      let loaded: LoadedSpec | undefined;
      let parsed: ParsedSpec | undefined;
      try {
        loaded = await engine.load(source);
        const from = loaded;
        parsed = await timed("parse", () =>
          parseSpec(from, { hooks, registry, limits, allowFilesOutsideRoot: policy.allowOutsideFiles, policy, emit, problems: collected }),
        );
        const spec = parsed;
        // Cross-section checks read whole sections: with one left out they would see a definition
        // that was never written (docker without its base) and report what is not wrong.
        if (!collected.partial) await timed("validate", () => validateEach(hooks.validate, spec, problems));
        if (problems.length === 0) return { ok: true, parsed, result: (await engine.resolve(parsed)).result, problems: [] };
      } catch (cause) {
        if (!(cause instanceof EnvforgeError)) throw cause;
        problems.push(cause);
      }
      const files = loaded ? [loaded.file, ...loaded.files.map((f) => f.absolutePath)] : [];
      return { ok: false, parsed, problems: sortProblems(problems, files) };
    },

    /** Stage `lookup`: ask each store in order; a lower tier's hit is recorded in the faster ones. */
    async lookup(hash: Hash, target: string, canonical?: CanonicalSpec): Promise<CacheHit | undefined> {
      const key = { hash, target };
      // The warm hit, answered by the memory tier without the async hook chain (a few µs of
      // promise hops on a path whose whole budget is ~15 µs). Only when nothing could see the
      // difference: the memory tier is the first tap and no interceptor watches calls.
      if (memoryFirst()) {
        const entry = memory.get(key);
        if (entry) {
          if (hooks.event.isUsed()) {
            const start = performance.now();
            emit({ type: "stage.start", stage: "lookup", hash, target });
            emit({ type: "cache.hit", hash, target, store: "memory", generation: entry.generation });
            emit({ type: "stage.finish", stage: "lookup", durationMs: performance.now() - start, hash, target });
          }
          return { entry, store: "memory" };
        }
      }
      return timed(
        "lookup",
        async () => {
          const hit = await hooks.lookup.promise(key, canonical ?? { contract: "efh1", sections: {} });
          if (hit) {
            if (hit.store !== "memory" && !options.readOnly) await hooks.backfill.promise(hit.entry, hit.store);
            emit({ type: "cache.hit", hash, target, store: hit.store, generation: hit.entry.generation });
          } else emit({ type: "cache.miss", hash, target });
          return hit;
        },
        key,
      );
    },

    /** The whole pipeline: resolve, look up, and build only on a miss. */
    async build(source: SpecSource | ParsedSpec, request: BuildRequest): Promise<BuildResult> {
      const started = performance.now();
      checkTimeoutMs(request.timeoutMs);
      const { parsed, result } = await engine.resolve(source);
      const fit = engine.checkTarget({ parsed, result }, request);
      const key = { hash: result.hash, target: request.target };
      if (!request.rebuild) {
        const hit = await engine.lookup(result.hash, request.target, result.canonical);
        if (hit) return { hash: result.hash, target: request.target, cached: true, store: hit.store, entry: hit.entry, timings: { totalMs: performance.now() - started } };
      }
      // Single flight within this process: concurrent calls for one key share one build.
      const flightKey = MemoryStore.keyOf(key);
      const running = inflight.get(flightKey);
      if (running) return running;
      const flight = buildLocked(parsed, result, request, started, fit).finally(() => inflight.delete(flightKey));
      inflight.set(flightKey, flight);
      return flight;
    },

    /**
     * Refuses, before any lookup, a target no plugin builds (`E_NO_BUILDER`) or one whose artifact
     * would leave out a section of the definition (`E_TARGET_MISMATCH`); a python-only request
     * that leaves sections out is said in a `W_PYTHON_ONLY` warning (targets.ts).
     */
    checkTarget(resolved: ResolvedSpec, request: Pick<BuildRequest, "target" | "pythonOnly">): TargetFit {
      ensureSchema();
      const fit = checkTarget(targets, (t) => hooks.build.get(t)?.isUsed() === true, registry, { parsed: resolved.parsed, canonical: resolved.result.canonical }, request);
      if (fit.leftOut.length > 0) {
        emit({
          type: "warning",
          code: "W_PYTHON_ONLY",
          message: `python-only: the ${request.target} holds the Python part of this definition; left out: ${fit.leftOut.join(", ")}`,
          hint: "without --python-only, a target that carries every section (an image target such as docker) builds all of it",
        });
      }
      return fit;
    },

    /** Which canonical fields differ between two definitions (why one misses the other's entry). */
    async explain(a: SpecSource | ParsedSpec, b: SpecSource | ParsedSpec): Promise<Explanation> {
      const [ra, rb] = await Promise.all([engine.hash(a), engine.hash(b)]);
      return explainCanonical(ra, rb);
    },

    /** How to run a command inside a built entry: its target's `activate` tap, the runtime variables last (run.ts). */
    async activation(entry: CacheEntry, request: ActivationRequest = {}): Promise<ResolvedActivation> {
      return resolveActivation(hooks, entry, request);
    },

    /** Runs `argv` inside a built entry (no shell), holding it against `cache gc`; resolves to the command's exit status. */
    async run(entry: CacheEntry, argv: readonly string[], request: RunRequest = {}): Promise<RunResult> {
      return runInside(hooks, local.root, entry, argv, request);
    },

    /** JSON Schema of the definition file, composed from the loaded plugins. */
    jsonSchema(): Record<string, unknown> {
      ensureSchema();
      return registry.jsonSchema();
    },

    /** Every field the loaded plugins accept, with its section. */
    fields() {
      ensureSchema();
      return [...registry.fields.values()];
    },
  };

  async function buildLocked(parsed: ParsedSpec, result: HashResult, request: BuildRequest, started: number, fit: TargetFit): Promise<BuildResult> {
    const key = { hash: result.hash, target: request.target };
    if (options.readOnly) {
      throw createError("E_INVALID_VALUE", `this engine is read-only (a dry run): ${request.target} ${key.hash} is not cached, and it does not build`, { hint: "build without --dry-run (an engine without readOnly)" });
    }
    const hook = hooks.build.get(request.target);
    if (!hook || !hook.isUsed()) {
      throw createError("E_NO_BUILDER", `no loaded plugin builds the target "${request.target}"`, {
        hint: "targets of the bundled plugins: venv, conda, spark, docker, podman",
      });
    }
    // Stops the build when the lock is taken from us (this process stalled past lockStaleMs):
    // another process is building the same key now, so this one must not write anything more.
    const lockLost = new AbortController();
    const signals = [request.signal, request.timeoutMs ? AbortSignal.timeout(Math.ceil(request.timeoutMs)) : undefined, lockLost.signal].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    const signal = AbortSignal.any(signals);
    // Across processes: one builder per key; the others wait, then find the entry.
    const lost = (cause: unknown) =>
      lockLost.abort(
        createError("E_CACHE_IO", `lost the build lock of ${key.target} ${key.hash}: another process took it over`, {
          hint: "this process stalled longer than the engine option lockStaleMs; raise it on slow or overloaded machines",
          cause,
        }),
      );
    const staleMs = options.lockStaleMs ?? DEFAULT_LOCK_STALE_MS;
    const onWait = (holder: LockHolder | undefined) => emit({ type: "lock.wait", hash: key.hash, target: key.target, holder, staleMs });
    const release = await local.lock(key, signal, { staleMs, onLost: lost, onWait }).catch((cause: unknown) => {
      throw toBuildError(cause, signal, request, undefined);
    });
    // Set when the builder outlives this call (it ignored the signal): cleanup and the lock's
    // release wait for it, so nothing else builds into the folder it may still be writing.
    let deferred: Promise<unknown> | undefined;
    try {
      const previous = (await local.get(key)).entry;
      if (previous && !request.rebuild && (await verified(previous))) {
        memory.put(previous);
        emit({ type: "cache.hit", hash: key.hash, target: key.target, store: "local", generation: previous.generation });
        return { hash: key.hash, target: key.target, cached: true, store: "local", entry: previous, timings: { totalMs: performance.now() - started } };
      }
      const generation = await local.nextGeneration(key);
      const artifactDir = local.artifactDir(key, generation);
      const logPath = local.logPath(key, generation);
      const workDir = local.workDir(key, generation);
      // Debris of a killed build of this generation: stop what it left running, then remove it.
      if (existsSync(artifactDir) || existsSync(workDir)) await stopStrays([artifactDir, workDir]);
      await local.discard(artifactDir);
      await local.discard(workDir);
      try {
        await mkdir(path.dirname(logPath), { recursive: true });
        await mkdir(workDir, { recursive: true });
        mkdirSync(path.dirname(artifactDir), { recursive: true });
      } catch (cause) {
        throw cacheIoError(cause, "prepare the build folders in the cache");
      }
      const builderSecrets = createRedactor([...(options.secrets ?? []), ...builderOptionSecrets(request.builderOptions), ...toolEnvSecrets(policy)]);
      // The first failed log write (a full disk): logging never throws into a builder's output
      // handler, where it would crash the host; the build fails with it at the end instead.
      let logFault: unknown;
      const ctx: BuildContext = {
        hash: key.hash,
        target: key.target,
        spec: parsed,
        canonical: result.canonical,
        artifactDir,
        workDir,
        generation,
        previous,
        options: request.builderOptions ?? {},
        leftOut: fit.leftOut,
        policy,
        signal,
        log: (line, stream = "info") => {
          const clean = builderSecrets.text(line);
          try {
            appendFileSync(logPath, `${clean}\n`);
          } catch (cause) {
            logFault ??= cause;
          }
          emit({ type: "log", hash: key.hash, target: key.target, stream, line: clean });
        },
        warn: (code, message, location, hint) => emit({ type: "warning", code, message: builderSecrets.text(message), location, hint }),
        emit: (event) => emit(builderSecrets.event(event)),
      };
      const buildStart = performance.now();
      const startedAt = new Date().toISOString();
      emit({ type: "build.start", hash: key.hash, target: key.target, builder: request.target });
      let ok = false;
      let settled = false;
      const building = timed("build", () => hook.promise(ctx), key);
      // Registered first, so it is set before the await below resumes with the builder's outcome.
      const stopped = building.then(
        () => void (settled = true),
        () => void (settled = true),
      );
      try {
        const output = await untilAborted(building, signal);
        if (!output) throw createError("E_NO_BUILDER", `no builder accepted the target "${request.target}"`);
        signal.throwIfAborted();
        if (logFault) throw cacheIoError(logFault, `write the build log ${logPath}`);
        if (!(await release.verify())) lost(new Error("the lock folder was replaced"));
        signal.throwIfAborted();
        // The seal every hit checks and the digest `cache verify` checks, taken as the build ends.
        const contents = await recordContents(output, artifactDir, local.manifestPath(key, generation));
        const durationMs = performance.now() - buildStart;
        const entry: CacheEntry = {
          schema: 1,
          hash: key.hash,
          target: key.target,
          generation,
          builder: output.builder ?? request.target,
          artifact: output.artifact,
          lock: output.lock,
          logPath,
          timings: { startedAt, finishedAt: new Date().toISOString(), durationMs },
          canonicalText: result.canonicalText,
          name: parsed.identity.name,
          ...contents,
        };
        await timed("store", () => hooks.store.promise(entry, ctx), key);
        ok = true;
        return { hash: key.hash, target: key.target, cached: false, entry, timings: { buildMs: durationMs, totalMs: performance.now() - started } };
      } catch (cause) {
        // A store tap after the local one failed: the entry on disk is complete and stays valid,
        // so its artifact is kept; the caller still hears the plugin's error.
        const recorded = !signal.aborted && (await local.get(key)).entry?.generation === generation;
        // Errors carry tool output and plugin messages: masked like the log (a URL's password…).
        if (recorded) throw builderSecrets.error(toBuildError(cause, signal, request, logPath));
        // The entry may already be in the memory tier (it is stored first): it must not outlive the failure.
        memory.delete(key);
        if (signal.aborted) {
          // A cancel ends the whole process tree, whatever the builder does: everything running in
          // the build's folders is asked to stop (SIGTERM) at once, and killed after the grace period
          // (a grandchild a killed tool left behind, a tool the builder never stopped).
          await stopStrays([artifactDir, workDir], "SIGTERM").catch(() => 0);
          if (!settled) await Promise.race([stopped, delay(ABORT_GRACE_MS)]);
          await stopStrays([artifactDir, workDir]).catch(() => 0);
          if (!settled) await Promise.race([stopped, delay(500)]);
        }
        // A builder still running now ignores the signal: this call returns without it.
        // Checked before the partial artifact is removed, which frees the space again.
        const freeBytes = signal.aborted ? undefined : await nearlyFullDisk(local.root);
        // Never mask the build's own error with a cleanup error: debris is discarded again next time.
        if (settled) await local.discard(artifactDir).catch(() => undefined);
        else deferred = stopped.then(() => local.discard(artifactDir));
        if (freeBytes !== undefined && !isDiskFull(cause)) {
          throw builderSecrets.error(fullDiskBuildError(request.target, freeBytes, cause, { logPath }));
        }
        throw builderSecrets.error(toBuildError(cause, signal, request, logPath));
      } finally {
        emit({ type: "build.finish", hash: key.hash, target: key.target, durationMs: performance.now() - buildStart, ok });
        if (deferred) deferred = deferred.finally(() => rm(workDir, { recursive: true, force: true }));
        else await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
      }
    } finally {
      if (deferred) void deferred.catch(() => undefined).finally(() => release().catch(() => undefined));
      else await release().catch(() => undefined);
    }
  }

  for (const plugin of options.plugins ?? []) plugin.apply(engine);
  return engine;
}

function isParsed(source: SpecSource | ParsedSpec): source is ParsedSpec {
  return typeof source === "object" && "loaded" in source && "sections" in source;
}
