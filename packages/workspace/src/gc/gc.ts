import { lstat, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { acquireLock, hashHex, isInside, leaseHeld, readRegularFile, type CacheEntry, type Hash } from "@envforge/core/plugin-kit";
import { properLockfile } from "../proper-lockfile.js";
import type { EnvironmentRegistry } from "../registry/types.js";
import { scanCache, type CacheUnit, type UnitKind } from "./scan.js";
import { pruneSourceMemos } from "./source-memos.js";

export interface GcOptions {
  /** Keep the current builds of every hash a non-archived registered version has. */
  registry?: EnvironmentRegistry | undefined;
  /** More hashes to keep (curated environments, a host's own pins). */
  roots?: Iterable<Hash> | undefined;
  /** Collect what is not kept only once it is this old (default: as soon as it is unreachable). */
  maxAgeDays?: number | undefined;
  /** After the rules above, collect oldest first (replaced generations first) until under this. */
  maxBytes?: number | undefined;
  /** Report what would be collected; delete nothing. */
  dryRun?: boolean | undefined;
  now?: Date | undefined;
  /** Build scratch folders and set-aside corrupt entries are collected after this. Default 24. */
  tmpGraceHours?: number | undefined;
  /**
   * Also collect the previous generation of every kept entry. By default it is kept whatever the
   * other rules say, so a bad rebuild can be rolled back (`cache generations --promote`).
   */
  pruneGenerations?: boolean | undefined;
  /**
   * Removes what a collected entry made outside the cache folder (an image in its engine): the
   * workspace passes core's `hooks.discard`, so gc imports no plugin. Called after the entry's
   * files are gone, under its build lock, and never for an artifact a kept entry shares.
   */
  discard?: Discarder | undefined;
}

/** Removes what an entry of a target made outside the cache folder (core's `hooks.discard`). */
export interface Discarder {
  /** Whether anything removes the artifacts of this target (a plugin taps its `discard`). */
  covers(target: string): boolean;
  remove(entry: CacheEntry): Promise<void>;
}

export type GcReason =
  /** Not reachable from a registered, non-archived environment (or an extra root). */
  | "unreachable"
  /** A generation a forced rebuild replaced. */
  | "replaced"
  /** Older than `maxAgeDays` (no registry given, so age alone decides). */
  | "age"
  /** Collected to get under `maxBytes`. */
  | "budget"
  /** Left by a failed or killed build, or scratch space. */
  | "debris";

export interface GcItem {
  kind: UnitKind;
  reason: GcReason;
  target?: string | undefined;
  hash?: Hash | undefined;
  generation?: number | undefined;
  paths: string[];
  bytes: number;
  builtAt?: string | undefined;
}

export interface GcReport {
  dryRun: boolean;
  removed: GcItem[];
  /** Would have been collected, but a build holds its lock (in another process or this one). */
  inUse: GcItem[];
  /** Artifacts outside the cache folder (images…) whose entries were removed; left for their own tools. */
  external: string[];
  /** Artifacts outside the cache folder removed with their entries (`discard`; in a dry run: would be). */
  discarded: string[];
  /** Artifacts whose removal failed: left in place, named with why. */
  discardFailed: { artifact: string; message: string }[];
  /** Previous generations kept for rollback (not counted as removed; `pruneGenerations` collects them). */
  keptGenerations: GcItem[];
  freedBytes: number;
  bytesBefore: number;
  bytesAfter: number;
  /** Still over `maxBytes` once everything collectable is gone (what is left is kept or in use). */
  overBudgetBytes?: number | undefined;
  /** Quick-path records (source memos, registration receipts) whose hash has no entry left. */
  sourceMemos: number;
}

const DAY = 86_400_000;

/** Core's build lock staleness (LocalStore.lock): gc judges dead holders the same way. */
const BUILD_LOCK_STALE_MS = 15_000;
/** How long gc waits for a build lock before calling the unit in use. */
const LOCK_TRY_MS = 300;
/** For the in-use probe only: a lock folder that exists is held (core judges staleness itself). */
const NEVER_STALE = 2 ** 30;

/**
 * Garbage collection of the embedded local cache. Rules, in order:
 *
 * 1. The current build of a root hash (registered and not archived, or in `roots`) is never
 *    collected, whatever its age or size. A hash several definitions share stays while any needs it.
 * 2. Debris (artifacts of failed builds) goes; scratch folders after `tmpGraceHours`.
 * 3. With a registry or roots, everything else is unreachable and goes (once older than
 *    `maxAgeDays`, when given). Without them, only age decides.
 * 4. `maxBytes`: what is left and not a root goes, replaced generations first, oldest first.
 *
 * A unit whose build lock (`<cacheDir>/v1/locks/<target>-<hex>`) is held is skipped: a build is
 * using it; so is one a running command holds (a run lease, core's cache/lease.ts). Otherwise gc holds that same lock while it deletes, so no build starts on it meanwhile;
 * the entry file goes first, so nothing ever reads an entry whose artifact is half gone.
 */
export async function gc(cacheDir: string, options: GcOptions = {}): Promise<GcReport> {
  const root = path.join(path.resolve(cacheDir), "v1");
  const now = (options.now ?? new Date()).getTime();
  const roots = new Set<Hash>(options.roots ?? []);
  for (const h of (await options.registry?.liveHashes()) ?? []) roots.add(h);
  const reachability = options.registry !== undefined || options.roots !== undefined;
  const units = await scanCache(root);
  const bytesBefore = units.reduce((n, u) => n + u.bytes, 0);
  const oldEnough = (u: CacheUnit) => options.maxAgeDays === undefined || now - u.time > options.maxAgeDays * DAY;

  const plan = new Map<CacheUnit, GcReason>();
  for (const unit of units) {
    if (unit.kind === "entry" && unit.hash && roots.has(unit.hash)) continue;
    if (unit.kind === "debris") plan.set(unit, "debris");
    else if (unit.kind === "tmp") {
      if (now - unit.time > (options.tmpGraceHours ?? 24) * 3_600_000) plan.set(unit, "debris");
    } else if (reachability) {
      if (oldEnough(unit)) plan.set(unit, unit.kind === "generation" ? "replaced" : "unreachable");
    } else if (options.maxAgeDays !== undefined && oldEnough(unit)) plan.set(unit, "age");
  }

  // Rollback: the newest replaced generation of every entry that stays is kept too.
  const previous = options.pruneGenerations ? new Set<CacheUnit>() : await previousGenerations(units, plan);
  for (const unit of previous) plan.delete(unit);

  const lockDir = path.join(root, "locks");
  const busy = new Map<string, boolean>();
  const inUse = async (unit: CacheUnit) => {
    if (!unit.target || !unit.hash) return false;
    const file = path.join(lockDir, `${unit.target}-${hashHex(unit.hash)}`);
    if (!busy.has(file)) {
      const locked = await (await properLockfile()).check(file, { realpath: false, stale: NEVER_STALE }).catch(() => false);
      busy.set(file, locked || (await leaseHeld(root, { target: unit.target, hash: unit.hash })));
    }
    return busy.get(file)!;
  };

  const busyForBudget: CacheUnit[] = [];
  if (options.maxBytes !== undefined) {
    let remaining = units.filter((u) => !plan.has(u)).reduce((n, u) => n + u.bytes, 0);
    const candidates = units
      // Fresh scratch may be a running build's work folder (not keyed, so not lockable): never budget it.
      .filter((u) => !plan.has(u) && u.kind !== "tmp" && !previous.has(u) && !(u.kind === "entry" && u.hash && roots.has(u.hash)))
      .sort((a, b) => rank(a) - rank(b) || a.time - b.time);
    for (const unit of candidates) {
      if (remaining <= options.maxBytes) break;
      if (await inUse(unit)) {
        busyForBudget.push(unit);
        continue;
      }
      plan.set(unit, "budget");
      remaining -= unit.bytes;
    }
  }

  // A previous generation kept for its entry's sake goes with it when the budget took the entry.
  for (const unit of previous) {
    const entry = units.find((u) => u.kind === "entry" && u.target === unit.target && u.hash === unit.hash);
    const reason = entry && plan.get(entry);
    if (reason) {
      plan.set(unit, reason);
      previous.delete(unit);
    }
  }

  // Artifacts that kept units still point at are never deleted with a collected unit.
  const keptArtifacts = new Set(units.filter((u) => !plan.has(u)).flatMap((u) => [...u.paths, u.artifact?.path ?? ""]));
  // An image two generations share (a rebuild the engine's layer cache answered) stays while one is kept.
  const keptImages = new Set(units.filter((u) => !plan.has(u)).map(imageOf).filter((r) => r !== undefined));
  const report: GcReport = {
    dryRun: options.dryRun ?? false,
    removed: [],
    inUse: [],
    external: [],
    discarded: [],
    discardFailed: [],
    keptGenerations: [],
    freedBytes: 0,
    bytesBefore,
    bytesAfter: bytesBefore,
    sourceMemos: 0,
  };
  const itemOf = (unit: CacheUnit, reason: GcReason): GcItem => gcItemOf(unit, reason, keptArtifacts);
  report.inUse.push(...busyForBudget.map((u) => itemOf(u, "budget")));
  report.keptGenerations.push(...[...previous].map((u) => itemOf(u, "replaced")));
  for (const [unit, reason] of plan) {
    const item = itemOf(unit, reason);
    const image = imageOf(unit);
    const shared = image !== undefined && keptImages.has(image);
    const discard = options.discard && !shared && unit.target && options.discard.covers(unit.target) ? options.discard : undefined;
    const removed = options.dryRun ? !(await inUse(unit)) : await remove(unit, item.paths, root, discard);
    if (!removed) {
      report.inUse.push(item);
      continue;
    }
    report.removed.push(item);
    report.freedBytes += unit.bytes;
    const external = unit.artifact?.reference ?? unit.artifact?.path;
    if (!external || (unit.artifact?.path && isInside(root, unit.artifact.path))) continue;
    if (typeof removed === "object" && removed.failed) report.discardFailed.push({ artifact: external, message: removed.failed });
    else if (discard && (options.dryRun || (typeof removed === "object" && removed.discarded))) report.discarded.push(external);
    else report.external.push(external);
  }
  report.bytesAfter = bytesBefore - report.freedBytes;
  const collected = new Set(report.removed.filter((r) => r.kind === "entry").map((r) => `${r.target}/${r.hash}`));
  report.sourceMemos = await pruneSourceMemos(root, report.dryRun, collected);
  if (options.maxBytes !== undefined && report.bytesAfter > options.maxBytes) report.overBudgetBytes = report.bytesAfter - options.maxBytes;
  return report;
}

/**
 * The previous generation of every key whose current entry is not planned for removal — the one
 * replaced last, whose file under `generations/` was written last (a rebuild replaces n with n+1;
 * a promote of 1 replaces 3 with 1, and 3 is then the previous one): what a rollback goes back to.
 */
async function previousGenerations(units: readonly CacheUnit[], plan: ReadonlyMap<CacheUnit, GcReason>): Promise<Set<CacheUnit>> {
  const keyOf = (u: CacheUnit) => `${u.target}/${u.hash}`;
  const current = new Map(units.filter((u) => u.kind === "entry").map((u) => [keyOf(u), u]));
  const newest = new Map<string, { unit: CacheUnit; replacedAt: number }>();
  for (const unit of units) {
    if (unit.kind !== "generation" || unit.generation === undefined || !unit.marker) continue;
    const entry = current.get(keyOf(unit));
    if (!entry || plan.has(entry)) continue;
    const replacedAt = await lstat(unit.marker).then((s) => s.mtimeMs, () => 0);
    const best = newest.get(keyOf(unit));
    if (!best || replacedAt > best.replacedAt || (replacedAt === best.replacedAt && unit.generation > best.unit.generation!)) newest.set(keyOf(unit), { unit, replacedAt });
  }
  return new Set([...newest.values()].map((b) => b.unit));
}

/**
 * What identifies an entry's image: its ID (every generation of a hash has the same cache tag, so
 * the tag alone would make a replaced generation's image look shared with the current one's).
 */
/** What gc (or `cache rm`) reports of a unit: its paths less those a kept unit still uses (its own marker always goes). */
export function gcItemOf(unit: CacheUnit, reason: GcReason, kept: ReadonlySet<string>): GcItem {
  return {
    kind: unit.kind,
    reason,
    target: unit.target,
    hash: unit.hash,
    generation: unit.generation,
    paths: unit.paths.filter((p) => !kept.has(p) || p === unit.marker),
    bytes: unit.bytes,
    builtAt: unit.time > 0 ? new Date(unit.time).toISOString() : undefined,
  };
}

export function imageOf(unit: CacheUnit): string | undefined {
  return unit.artifact?.digest ?? unit.artifact?.reference;
}

/** Replaced generations go before current entries; debris and scratch are planned separately. */
function rank(unit: CacheUnit): number {
  return unit.kind === "generation" ? 0 : 1;
}

/**
 * Deletes a unit under its build lock. Returns false when a build holds the lock, or when the
 * unit changed since the scan (a build finished meanwhile): both mean "not garbage right now".
 */
export async function remove(
  unit: CacheUnit,
  paths: string[],
  root: string,
  discard?: Discarder,
): Promise<false | { discarded: boolean; failed?: string | undefined }> {
  const lockDir = path.join(root, "locks");
  let release: (() => Promise<void>) | undefined;
  if (unit.target && unit.hash) {
    await mkdir(lockDir, { recursive: true });
    // Core's own protocol (holder records beside the lock), so builders never mistake gc's lock
    // for a dead one; tried briefly: a lock still held after that belongs to a running build.
    const signal = AbortSignal.timeout(LOCK_TRY_MS);
    try {
      release = await acquireLock(path.join(lockDir, `${unit.target}-${hashHex(unit.hash)}`), { staleMs: BUILD_LOCK_STALE_MS, signal });
    } catch (cause) {
      if (signal.aborted) return false;
      throw cause;
    }
  }
  try {
    // A command running inside the entry (`envforge run`) holds it: its lease is written under
    // this same lock, so it is either seen here or written after the entry is gone.
    if (unit.target && unit.hash && unit.kind !== "debris" && (await leaseHeld(root, { target: unit.target, hash: unit.hash }))) return false;
    const entry = unit.marker ? await entryAt(unit.marker) : undefined;
    if (unit.marker && entry?.generation !== unit.generation) return false;
    if (unit.kind === "debris" && (await gainedEntry(root, unit))) return false;
    if (unit.marker) await rm(unit.marker, { force: true });
    for (const p of paths) if (p !== unit.marker) await rm(p, { recursive: true, force: true, maxRetries: 3 });
    if (!discard || !entry) return { discarded: false };
    try {
      await discard.remove(entry);
      return { discarded: true };
    } catch (cause) {
      return { discarded: false, failed: (cause as Error).message };
    }
  } finally {
    await release?.().catch(() => undefined);
  }
}

async function stillGeneration(marker: string, generation: number | undefined): Promise<boolean> {
  return (await entryAt(marker))?.generation === generation;
}

/** The entry a marker file holds, as written (only a regular file is read). */
async function entryAt(marker: string): Promise<CacheEntry | undefined> {
  try {
    return JSON.parse((await readRegularFile(marker)).bytes!.toString("utf8")) as CacheEntry;
  } catch {
    return undefined;
  }
}

/** Debris whose build finished between the scan and the lock is debris no more. */
async function gainedEntry(root: string, unit: CacheUnit): Promise<boolean> {
  if (!unit.target || !unit.hash || unit.generation === undefined) return false;
  const hex = hashHex(unit.hash);
  const current = path.join(root, "entries", unit.target, `${hex}.json`);
  const replaced = path.join(root, "generations", unit.target, hex, `${unit.generation}.json`);
  return (await stillGeneration(current, unit.generation)) || (await stillGeneration(replaced, unit.generation));
}
