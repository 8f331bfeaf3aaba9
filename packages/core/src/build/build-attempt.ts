import { rm, rmdir } from "node:fs/promises";
import { cacheIoError, fullDiskBuildError, isDiskFull, nearlyFullDisk } from "../cache/io-error.js";
import type { HeldLock } from "../cache/lock.js";
import { recordContents } from "../cache/record-contents.js";
import { stopStrays } from "../cache/strays.js";
import type { CacheEntry, CacheKey } from "../cache/types.js";
import type { EngineCore } from "../engine/core.js";
import type { EnvforgeError } from "../errors/envforge-error.js";
import { createError } from "../errors/factories.js";
import type { EngineHooks } from "../hooks.js";
import { buildSession, type BuildSession } from "./build-context.js";
import type { BuildPlan } from "./build-run.js";
import type { BuildClaim } from "./coordinate.js";
import { delay, toBuildError, untilAborted } from "./build-support.js";
import type { BuildOutput, BuildResult } from "./build-types.js";

/** How long an aborted build's builder may take to stop before the engine returns without it. */
const ABORT_GRACE_MS = 5_000;

/** Generation n of a key: where its artifact, build log and scratch space go. */
export interface BuildFolders {
  generation: number;
  artifactDir: string;
  logPath: string;
  workDir: string;
}

/** A build about to run, under the key's lock, in emptied folders. */
export interface BuildJob extends BuildPlan {
  key: CacheKey;
  hook: NonNullable<ReturnType<EngineHooks["build"]["get"]>>;
  /** The entry this build replaces (a rebuild, or one whose artifact is gone). */
  previous: CacheEntry | undefined;
  folders: BuildFolders;
  signal: AbortSignal;
  /** Aborts the build as one whose lock was taken over. */
  lost(cause: unknown): void;
  release: HeldLock;
  /** This worker's claim from a coordinator across machines, when there is one. */
  claim?: BuildClaim | undefined;
}

/** The builder's outcome, watched: `settled` turns true as soon as it resolves or rejects. */
interface Running {
  stopped: Promise<void>;
  settled(): boolean;
}

/**
 * Runs the target's builder and stores what it built: the entry (with its seal and content
 * digest) is written last, by the `store` taps. On failure the partial artifact is removed —
 * once the builder has stopped, which `defer` hands to the caller when it outlives this call.
 */
export async function attemptBuild(core: EngineCore, job: BuildJob, defer: (outlives: Promise<unknown>) => void): Promise<BuildResult> {
  const { key, folders } = job;
  const session = buildSession(core, job);
  const buildStart = performance.now();
  const startedAt = new Date().toISOString();
  core.emit({ type: "build.start", hash: key.hash, target: key.target, builder: job.request.target });
  let ok = false;
  let settled = false;
  let deferred: Promise<unknown> | undefined;
  const building = core.timed("build", () => job.hook.promise(session.ctx), key);
  // Registered first, so it is set before the await below resumes with the builder's outcome.
  const stopped = building.then(
    () => void (settled = true),
    () => void (settled = true),
  );
  try {
    const output = await untilAborted(building, job.signal);
    const entry = await finishedEntry(core, job, session, output, startedAt, buildStart);
    await core.timed("store", () => core.hooks.store.promise(entry, session.ctx), key);
    ok = true;
    return { hash: key.hash, target: key.target, cached: false, entry, timings: { buildMs: entry.timings.durationMs, totalMs: performance.now() - job.started } };
  } catch (cause) {
    const failure = await failedBuild(core, job, session, cause, { stopped, settled: () => settled });
    deferred = failure.deferred;
    throw failure.error;
  } finally {
    core.emit({ type: "build.finish", hash: key.hash, target: key.target, durationMs: performance.now() - buildStart, ok });
    if (deferred) defer(deferred.finally(() => rm(folders.workDir, { recursive: true, force: true })));
    else await rm(folders.workDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The cache entry of a builder's output, once nothing (a cancel, a lost lock, a failed log write) spoils it. */
async function finishedEntry(core: EngineCore, job: BuildJob, session: BuildSession, output: BuildOutput | undefined, startedAt: string, buildStart: number): Promise<CacheEntry> {
  const { key, folders, signal, request } = job;
  if (!output) throw createError("E_NO_BUILDER", `no builder accepted the target "${request.target}"`);
  signal.throwIfAborted();
  if (session.logFault()) throw cacheIoError(session.logFault(), `write the build log ${folders.logPath}`);
  if (!(await job.release.verify())) job.lost(new Error("the lock folder was replaced"));
  signal.throwIfAborted();
  // The seal every hit checks and the digest `cache verify` checks, taken as the build ends.
  // The folder made for the builder stays only if it holds the artifact (an image target leaves it empty).
  if (output.artifact.path !== folders.artifactDir) await rmdir(folders.artifactDir).catch(() => undefined);
  const contents = await recordContents(output, folders.artifactDir, core.local.manifestPath(key, folders.generation));
  const durationMs = performance.now() - buildStart;
  return {
    schema: 1,
    hash: key.hash,
    target: key.target,
    generation: folders.generation,
    builder: output.builder ?? request.target,
    artifact: output.artifact,
    lock: output.lock,
    logPath: folders.logPath,
    timings: { startedAt, finishedAt: new Date().toISOString(), durationMs },
    canonicalText: job.result.canonicalText,
    name: job.parsed.identity.name,
    ...(job.claim?.fence === undefined ? {} : { coordination: { fence: job.claim.fence, holder: job.claim.holder ?? "" } }),
    ...contents,
  };
}

/**
 * The error a failed build ends with, after its cleanup: the partial artifact goes (later, in
 * `deferred`, when the builder still runs), the entry leaves the memory tier, and a cancel stops
 * every process still running in the build's folders.
 */
async function failedBuild(core: EngineCore, job: BuildJob, session: BuildSession, cause: unknown, builder: Running): Promise<{ error: EnvforgeError; deferred?: Promise<unknown> }> {
  const { key, folders, signal, request } = job;
  const { secrets } = session;
  // A store tap after the local one failed: the entry on disk is complete and stays valid,
  // so its artifact is kept; the caller still hears the plugin's error.
  const recorded = !signal.aborted && (await core.local.get(key)).entry?.generation === folders.generation;
  // Errors carry tool output and plugin messages: masked like the log (a URL's password…).
  if (recorded) return { error: secrets.error(toBuildError(cause, signal, request, folders.logPath)) };
  // The entry may already be in the memory tier (it is stored first): it must not outlive the failure.
  core.memory.delete(key);
  if (signal.aborted) await stopCancelled(folders, builder);
  // A builder still running now ignores the signal: this call returns without it.
  // Checked before the partial artifact is removed, which frees the space again.
  const freeBytes = signal.aborted ? undefined : await nearlyFullDisk(core.local.root);
  // Never mask the build's own error with a cleanup error: debris is discarded again next time.
  let deferred: Promise<unknown> | undefined;
  if (builder.settled()) await core.local.discard(folders.artifactDir).catch(() => undefined);
  else deferred = builder.stopped.then(() => core.local.discard(folders.artifactDir));
  if (freeBytes !== undefined && !isDiskFull(cause)) {
    return { error: secrets.error(fullDiskBuildError(request.target, freeBytes, cause, { logPath: folders.logPath })), deferred };
  }
  return { error: secrets.error(toBuildError(cause, signal, request, folders.logPath)), deferred };
}

/**
 * A cancel ends the whole process tree, whatever the builder does: everything running in the
 * build's folders is asked to stop (SIGTERM) at once, and killed after the grace period (a
 * grandchild a killed tool left behind, a tool the builder never stopped).
 */
async function stopCancelled(folders: BuildFolders, builder: Running): Promise<void> {
  const dirs = [folders.artifactDir, folders.workDir];
  await stopStrays(dirs, "SIGTERM").catch(() => 0);
  if (!builder.settled()) await Promise.race([builder.stopped, delay(ABORT_GRACE_MS)]);
  await stopStrays(dirs).catch(() => 0);
  if (!builder.settled()) await Promise.race([builder.stopped, delay(500)]);
}
