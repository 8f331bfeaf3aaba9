import path from "node:path";
import { defaultCacheDir } from "../cache/cache-dir.js";
import { LocalStore } from "../cache/local-store.js";
import { MemoryStore } from "../cache/memory-store.js";
import { readOnlyWarning, unwritable } from "../cache/read-only.js";
import { currentGenerationOnDisk } from "../cache/read-entry.js";
import { checkSeal } from "../cache/seal.js";
import type { CacheKey } from "../cache/types.js";
import { SchemaRegistry } from "../definition/schema.js";
import { createHooks, type EngineHooks } from "../hooks.js";
import { effectiveLimits, type InputLimits } from "../policy/limits.js";
import { resolvePolicy, type HostPolicy } from "../policy/policy.js";
import { toolEnvSecrets } from "../policy/tool-env.js";
import type { EngineEvent, StageName } from "./events.js";
import { guardEventListeners, guardHooks, reachesAnyone } from "./intercept.js";
import { createRedactor } from "./redact.js";
import { TargetRegistry } from "./targets.js";
import type { EngineOptions } from "./types.js";

/**
 * What the engine's parts share (stages.ts, build/, the store plugins): made once by
 * `createEngine`, never handed to plugins — they see the `Engine`.
 */
export interface EngineCore {
  readonly hooks: EngineHooks;
  readonly options: EngineOptions;
  readonly policy: HostPolicy;
  /** The tighter of the engine's and the policy's input limits. */
  readonly limits: InputLimits;
  /** The cache root (absolute); the local store's `root` is its `v1/`. */
  readonly cacheDir: string;
  /** Where builder options' relative paths are read from (`EngineOptions.baseDir`, absolute). */
  readonly baseDir: string;
  /** Fields and sections plugins declare (`hooks.schema`, called once, on first need). */
  readonly registry: SchemaRegistry;
  /** What each target's artifact carries (targets.ts): a build that would leave a section out is refused before lookup. */
  readonly targets: TargetRegistry;
  readonly local: LocalStore;
  readonly memory: MemoryStore;
  /** Values of variables the host passes to tools are credentials: masked in every event. */
  readonly redact: ReturnType<typeof createRedactor>;
  emit(event: EngineEvent): void;
  /** Runs one stage between its `stage.start` and `stage.finish` events. */
  timed<T>(stage: StageName, run: () => Promise<T> | T, key?: Partial<CacheKey>): Promise<T>;
  /** Calls `hooks.schema` the first time a stage needs the composed schema. */
  ensureSchema(): void;
  /** After a failed write that only records (a memo, a backfill): true, warned once, when the cache is read-only. */
  readOnlyCache(): boolean;
}

export function createCore(options: EngineOptions): EngineCore {
  const hooks = createHooks();
  guardHooks(hooks);
  const policy = resolvePolicy({ allowOutsideFiles: options.allowFilesOutsideRoot ?? false, ...options.policy });
  const limits = effectiveLimits(options.limits, policy.limits);
  const registry = new SchemaRegistry();
  const targets = new TargetRegistry();
  // Resolved as the local store resolves it, so `cacheDir` is exactly the parent of `local.root`.
  const cacheDir = path.resolve(options.cacheDir ?? defaultCacheDir());
  // Fixed now: a host that changes its working directory later does not move its builds' paths.
  const baseDir = path.resolve(options.baseDir ?? process.cwd());
  const local = new LocalStore(cacheDir, { readOnly: options.readOnly });
  // The memory tier re-checks an entry at most once a second (memory-store.ts): its seal, and that
  // the entry file on disk (when there is one) still names its generation — another process may
  // have rebuilt or promoted another one (`cache generations --promote`).
  const memory = new MemoryStore(options.memoryEntries, (entry) => {
    if (checkSeal(entry, local.root).corrupt !== undefined) return false;
    const onDisk = currentGenerationOnDisk(local.root, entry);
    return onDisk === undefined || onDisk === entry.generation;
  });
  const redact = createRedactor([...(options.secrets ?? []), ...toolEnvSecrets(policy)]);
  let schemaReady = false;

  const emit = (event: EngineEvent): void => {
    // The one place events are stamped: every listener sees when it happened (events.ts `time`).
    if (reachesAnyone(hooks.event)) hooks.event.call(redact.event({ ...event, time: Date.now() }));
  };
  guardEventListeners(hooks.event);

  return {
    hooks,
    options,
    policy,
    limits,
    cacheDir,
    baseDir,
    registry,
    targets,
    local,
    memory,
    redact,
    emit,
    async timed(stage, run, key) {
      const start = performance.now();
      emit({ type: "stage.start", stage, hash: key?.hash, target: key?.target });
      try {
        return await run();
      } finally {
        emit({ type: "stage.finish", stage, durationMs: performance.now() - start, hash: key?.hash, target: key?.target });
      }
    },
    ensureSchema() {
      if (schemaReady) return;
      hooks.schema.call(registry);
      schemaReady = true;
    },
    readOnlyCache() {
      const errno = unwritable(cacheDir);
      const warning = errno && readOnlyWarning(cacheDir, errno);
      if (warning) emit(warning);
      return errno !== undefined;
    },
  };
}
