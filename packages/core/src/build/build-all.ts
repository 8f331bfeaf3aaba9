import { anyWithTimeout } from "../engine/timeout-signal.js";
import pLimit from "p-limit";
import { isEnvforgeError } from "../errors/envforge-error.js";
import { createError } from "../errors/factories.js";
import type { Engine, ResolvedSpec } from "../engine/types.js";
import type { BatchError, BatchItem, BatchItemResult, BatchLaneSummary, BatchRequest, BatchResult, BuildLane } from "./batch-types.js";
import type { BuildRequest, BuildResult } from "./build-types.js";

const DEFAULT_CONCURRENCY = 2;
/** Definitions resolved (and keys looked up) at once: parsing is local work, lookups are cheap. */
const RESOLVE_CONCURRENCY = 8;
/** Codes that say the engine a build ran on is missing, whatever it was asked to build. */
const ENGINE_FAULTS: ReadonlySet<string> = new Set(["E_TOOL_NOT_FOUND"]);
/** Codes of a build stopped from outside: neither the engine's nor the definition's fault. */
const STOPPED: ReadonlySet<string> = new Set(["E_ABORTED", "E_TIMEOUT"]);
const CHECK_TIMEOUT_MS = 30_000;

/** One distinct (hash, target) of the batch and the items that asked for it. */
interface Job {
  resolved: ResolvedSpec;
  items: number[];
  movedFrom: string[];
}

interface Lane {
  lane: BuildLane;
  summary: BatchLaneSummary;
  up: boolean;
}

export function batchError(error: unknown): BatchError {
  if (isEnvforgeError(error)) return { code: error.code, kind: error.kind, message: error.message, hint: error.hint };
  return { code: "E_INTERNAL", kind: "internal", message: error instanceof Error ? error.message : String(error) };
}

/**
 * `engine.buildAll`: resolves every definition, builds each distinct (hash, target) once (every
 * item of a key gets its result), answers hits before anything is queued, and spreads the misses
 * over the lanes — each lane a pool of `concurrency` workers pulling from one queue, so a faster
 * engine takes more. A lane whose engine fails is marked down and the build moves to a lane still
 * up; a definition's own failure stays failed (moving it would only fail it again elsewhere).
 */
export async function buildAll(engine: Pick<Engine, "resolve" | "checkTarget" | "lookup" | "build">, items: readonly BatchItem[], request: BatchRequest): Promise<BatchResult> {
  const started = performance.now();
  const concurrency = checkConcurrency(request.concurrency);
  const lanes = laneStates(request.lanes);
  const results: BatchItemResult[] = items.map((item, i) => ({ ref: item.ref ?? `#${i}`, status: "failed" }));
  const limit = pLimit(RESOLVE_CONCURRENCY);

  const resolved = await Promise.all(
    items.map((item, i) =>
      limit(async () => {
        try {
          const r = await engine.resolve(item.source);
          results[i]!.hash = r.result.hash;
          engine.checkTarget(r, request);
          return r;
        } catch (error) {
          results[i]!.error = batchError(error);
          return undefined;
        }
      }),
    ),
  );
  // Grouped in item order, so the queue's order is the order the host gave.
  const jobs = new Map<string, Job>();
  resolved.forEach((r, i) => {
    if (!r) return;
    const job = jobs.get(r.result.hash) ?? { resolved: r, items: [], movedFrom: [] };
    job.items.push(i);
    jobs.set(r.result.hash, job);
  });
  const settle = (job: Job, outcome: Partial<BatchItemResult>) => {
    for (const i of job.items) Object.assign(results[i]!, outcome, job.movedFrom.length > 0 ? { movedFrom: [...job.movedFrom] } : {});
  };
  const hitOf = (result: BuildResult, lane?: string): Partial<BatchItemResult> => ({ status: result.cached ? "hit" : "built", store: result.store, lane, result });

  const queue: Job[] = [];
  await Promise.all(
    [...jobs.values()].map((job) =>
      limit(async () => {
        const { result } = job.resolved;
        const hit = request.rebuild ? undefined : await engine.lookup(result.hash, request.target, result.canonical).catch(() => undefined);
        if (hit) settle(job, hitOf({ hash: result.hash, target: request.target, cached: true, store: hit.store, entry: hit.entry, timings: {} }));
        else queue.push(job);
      }),
    ),
  );
  // Lookups finish in any order: the queue keeps the items' order.
  queue.sort((a, b) => a.items[0]! - b.items[0]!);

  await runLanes(lanes, queue, concurrency, async (lane, job) => {
    const t0 = performance.now();
    const buildRequest: BuildRequest = { ...request, builderOptions: laneOptions(request, lane.lane) };
    try {
      const result = await engine.build(job.resolved.parsed, buildRequest);
      lane.summary.busyMs += performance.now() - t0;
      if (!result.cached) lane.summary.built++;
      settle(job, hitOf(result, lane.lane.name));
      return "done";
    } catch (error) {
      lane.summary.busyMs += performance.now() - t0;
      if (await engineFault(lane, error, request.signal)) {
        lane.summary.down ??= batchError(error);
        lane.up = false;
        if (lanes.some((l) => l.up)) {
          job.movedFrom.push(lane.lane.name);
          return "moved";
        }
      }
      lane.summary.failed++;
      settle(job, { status: "failed", lane: lane.lane.name, error: batchError(error) });
      return "done";
    }
  });
  // Left in the queue only when every lane went down.
  for (const job of queue) {
    const last = lanes.map((l) => l.summary.down).filter((d) => d !== undefined).at(-1);
    settle(job, { status: "failed", error: { code: last?.code ?? "E_TOOL_NOT_FOUND", kind: last?.kind ?? "build", message: `no lane left to build on: ${last?.message ?? "every engine failed"}` } });
  }

  const count = (status: BatchItemResult["status"]) => results.filter((r) => r.status === status).length;
  return {
    items: results,
    lanes: lanes.map((l) => l.summary),
    totals: { items: results.length, distinct: jobs.size, built: count("built"), hit: count("hit"), failed: count("failed") },
    wallMs: performance.now() - started,
  };
}

/**
 * Each lane's workers take jobs from the shared queue until it is empty and nothing runs (a
 * running build may still come back, moved from a lane that went down) or their lane is down.
 */
async function runLanes(lanes: Lane[], queue: Job[], concurrency: number, run: (lane: Lane, job: Job) => Promise<"done" | "moved">): Promise<void> {
  let running = 0;
  let waiting: Array<() => void> = [];
  const wake = () => {
    const all = waiting;
    waiting = [];
    for (const resolve of all) resolve();
  };
  const worker = async (lane: Lane) => {
    while (lane.up) {
      const job = queue.shift();
      if (!job) {
        if (running === 0) return;
        await new Promise<void>((resolve) => waiting.push(resolve));
        continue;
      }
      running++;
      try {
        // A moved build goes first: it has waited longest.
        if ((await run(lane, job)) === "moved") queue.unshift(job);
      } finally {
        running--;
        wake();
      }
    }
  };
  await Promise.all(lanes.flatMap((lane) => Array.from({ length: concurrency }, () => worker(lane))));
}

/** Whether a failure is the lane's engine's (move the build) rather than the definition's (keep it failed). */
async function engineFault(lane: Lane, error: unknown, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return false;
  const code = isEnvforgeError(error) ? error.code : undefined;
  if (code !== undefined && STOPPED.has(code)) return false;
  // Another build on it already showed the engine is gone.
  if (!lane.up) return true;
  if (code !== undefined && ENGINE_FAULTS.has(code)) return true;
  if (!lane.lane.check) return false;
  const timeout = anyWithTimeout([signal], CHECK_TIMEOUT_MS);
  try {
    await lane.lane.check(timeout.signal);
    return false;
  } catch {
    return true;
  } finally {
    timeout.clear();
  }
}

/** The request's builder options with the lane's laid over them, per plugin key. */
function laneOptions(request: BatchRequest, lane: BuildLane): BuildRequest["builderOptions"] {
  const merged: NonNullable<BuildRequest["builderOptions"]> = { ...request.builderOptions };
  for (const [plugin, options] of Object.entries(lane.builderOptions ?? {})) merged[plugin] = { ...merged[plugin], ...options };
  return merged;
}

function checkConcurrency(value: number | undefined): number {
  if (value === undefined) return DEFAULT_CONCURRENCY;
  if (!Number.isInteger(value) || value < 1) {
    throw createError("E_INVALID_VALUE", `batch concurrency ${value} is not a whole number of at least 1`, { field: "concurrency", hint: "give the builds each lane runs at once, e.g. 2" });
  }
  return value;
}

function laneStates(lanes: readonly BuildLane[] | undefined): Lane[] {
  const given = lanes ?? [{ name: "local" }];
  if (given.length === 0) throw createError("E_INVALID_VALUE", "a batch needs at least one lane", { field: "lanes", hint: "leave lanes out for the one local engine" });
  const names = new Set<string>();
  for (const lane of given) {
    if (names.has(lane.name)) throw createError("E_INVALID_VALUE", `two lanes are named ${JSON.stringify(lane.name)}`, { field: "lanes", hint: "give each lane its own name" });
    names.add(lane.name);
  }
  return given.map((lane) => ({ lane, up: true, summary: { name: lane.name, built: 0, failed: 0, busyMs: 0 } }));
}
