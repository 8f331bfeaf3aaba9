import { existsSync, mkdirSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { cacheIoError } from "../cache/io-error.js";
import { DEFAULT_LOCK_STALE_MS, type LocalStore } from "../cache/local-store.js";
import type { HeldLock, LockHolder } from "../cache/lock.js";
import { stopStrays } from "../cache/strays.js";
import type { CacheKey } from "../cache/types.js";
import type { HashResult, ParsedSpec } from "../definition/spec.js";
import type { EngineCore } from "../engine/core.js";
import { verified } from "../engine/local-store-plugin.js";
import { anyWithTimeout } from "../engine/timeout-signal.js";
import type { TargetFit } from "../engine/targets.js";
import { createError } from "../errors/factories.js";
import type { EngineHooks } from "../hooks.js";
import { attemptBuild, type BuildFolders } from "./build-attempt.js";
import { toBuildError } from "./build-support.js";
import { coordinateBuild, type BuildClaim } from "./coordinate.js";
import type { BuildRequest, BuildResult } from "./build-types.js";

/** One build that missed every tier: what was resolved, what was asked, and when `build` began. */
export interface BuildPlan {
  parsed: ParsedSpec;
  result: HashResult;
  request: BuildRequest;
  /** `performance.now()` when `engine.build` was called: `timings.totalMs` counts from here. */
  started: number;
  fit: TargetFit;
}

type Builder = NonNullable<ReturnType<EngineHooks["build"]["get"]>>;

/**
 * Builds a key under its cross-process lock: one builder per (hash, target); the others wait,
 * then find the entry this one stored. A build that finds the entry already there (another
 * process built it while this one waited) answers with it.
 */
export async function buildLocked(core: EngineCore, plan: BuildPlan): Promise<BuildResult> {
  const { request, started } = plan;
  const key: CacheKey = { hash: plan.result.hash, target: request.target };
  const hook = builderOf(core, key);
  const { signal, lost, clear } = buildSignal(request, key);
  const release = await lockKey(core, key, signal, lost).catch((cause: unknown) => {
    clear();
    throw toBuildError(cause, signal, request, undefined);
  });
  // Set when the builder outlives this call (it ignored the signal): the lock's release waits for
  // it, so nothing else builds into the folder it may still be writing.
  let deferred: Promise<unknown> | undefined;
  let claim: BuildClaim | undefined;
  try {
    const previous = (await core.local.get(key)).entry;
    if (previous && !request.rebuild && (await verified(core, previous))) {
      core.memory.put(previous);
      core.emit({ type: "cache.hit", hash: key.hash, target: key.target, store: "local", generation: previous.generation });
      return { hash: key.hash, target: key.target, cached: true, store: "local", entry: previous, timings: { totalMs: performance.now() - started } };
    }
    // Other machines: one of them may build this key now (a coordinator, e.g. plugin-redis).
    const coordinated = await coordinateBuild(core, key, plan, signal).catch((cause: unknown) => {
      throw toBuildError(cause, signal, request, undefined);
    });
    if (coordinated.hit) return coordinated.hit;
    claim = coordinated.claim;
    const folders = await prepareFolders(core.local, key, await core.local.nextGeneration(key));
    const job = { ...plan, key, hook, previous, folders, signal, lost, release, claim };
    return await attemptBuild(core, job, (outlives) => void (deferred = outlives));
  } finally {
    clear();
    const releaseAll = async () => {
      await claim?.release().catch(() => undefined);
      await release().catch(() => undefined);
    };
    if (deferred) void deferred.catch(() => undefined).finally(releaseAll);
    else await releaseAll();
  }
}

/** The target's builder; a read-only engine (a dry run) and a target nobody builds are refused. */
function builderOf(core: EngineCore, key: CacheKey): Builder {
  if (core.options.readOnly) {
    throw createError("E_INVALID_VALUE", `this engine is read-only (a dry run): ${key.target} ${key.hash} is not cached, and it does not build`, { hint: "build without --dry-run (an engine without readOnly)" });
  }
  const hook = core.hooks.build.get(key.target);
  if (!hook || !hook.isUsed()) {
    throw createError("E_NO_BUILDER", `no loaded plugin builds the target "${key.target}"`, {
      hint: "targets of the bundled plugins: venv, conda, spark, docker, podman",
    });
  }
  return hook;
}

/**
 * What stops a build: the host's signal, its timeout, and the loss of the lock — taken from us
 * when this process stalled past lockStaleMs, so another process builds the same key now and this
 * one must not write anything more.
 */
function buildSignal(request: BuildRequest, key: CacheKey): { signal: AbortSignal; lost: (cause: unknown) => void; clear(): void } {
  const lockLost = new AbortController();
  const { signal, clear } = anyWithTimeout([request.signal, lockLost.signal], request.timeoutMs ? Math.ceil(request.timeoutMs) : undefined);
  const lost = (cause: unknown) =>
    lockLost.abort(
      createError("E_CACHE_IO", `lost the build lock of ${key.target} ${key.hash}: another process took it over`, {
        hint: "this process stalled longer than the engine option lockStaleMs; raise it on slow or overloaded machines",
        cause,
      }),
    );
  return { signal, lost, clear };
}

/** Across processes: one builder per key; the others wait (each wait is a `lock.wait` event). */
function lockKey(core: EngineCore, key: CacheKey, signal: AbortSignal, lost: (cause: unknown) => void): Promise<HeldLock> {
  const staleMs = core.options.lockStaleMs ?? DEFAULT_LOCK_STALE_MS;
  const onWait = (holder: LockHolder | undefined) => core.emit({ type: "lock.wait", hash: key.hash, target: key.target, holder, staleMs });
  return core.local.lock(key, signal, { staleMs, onLost: lost, onWait });
}

/** Generation n's folders, emptied of a killed build's debris (what it left running is stopped first). */
async function prepareFolders(local: LocalStore, key: CacheKey, generation: number): Promise<BuildFolders> {
  const folders = { generation, artifactDir: local.artifactDir(key, generation), logPath: local.logPath(key, generation), workDir: local.workDir(key, generation) };
  const { artifactDir, workDir, logPath } = folders;
  if (existsSync(artifactDir) || existsSync(workDir)) await stopStrays([artifactDir, workDir]);
  await local.discard(artifactDir);
  await local.discard(workDir);
  try {
    await mkdir(path.dirname(logPath), { recursive: true });
    await mkdir(workDir, { recursive: true });
    // Created for the builder, empty: a plugin's builder writes into it (a venv or conda prefix
    // is created in place, into the empty folder).
    mkdirSync(artifactDir, { recursive: true });
  } catch (cause) {
    throw cacheIoError(cause, "prepare the build folders in the cache");
  }
  return folders;
}
