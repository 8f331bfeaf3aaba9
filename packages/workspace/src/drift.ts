import { readRegularFile, type BuildRequest, type BuildResult, type CacheEntry, type Engine, type Lock, type LockedPackage, type ParsedSpec, type SpecSource } from "@envforge/core/plugin-kit";

/** One package whose resolved version changed between two builds of the same hash. */
export interface MovedPackage {
  ecosystem: string;
  name: string;
  from: string;
  to: string;
}

/** What a forced rebuild changed in the lock: the seed's silent re-resolution, made visible. */
export interface LockDrift {
  /** Nothing moved, nothing came or went. */
  equal: boolean;
  moved: MovedPackage[];
  added: LockedPackage[];
  removed: LockedPackage[];
  unchanged: number;
  /** The earlier build recorded no lock: drift cannot be shown. */
  noPreviousLock: boolean;
}

/** Names compare as each ecosystem does: pip per PEP 503, conda and Maven lowercased. */
function keyOf(p: LockedPackage): string {
  const name = p.ecosystem === "pip" ? p.name.toLowerCase().replace(/[-_.]+/g, "-") : p.name.toLowerCase();
  return `${p.ecosystem}\u0000${name}`;
}

function order(a: { ecosystem: string; name: string }, b: { ecosystem: string; name: string }): number {
  return a.ecosystem.localeCompare(b.ecosystem) || a.name.localeCompare(b.name);
}

export function lockDrift(before: Lock | undefined, after: Lock | undefined): LockDrift {
  const old = new Map((before?.packages ?? []).map((p) => [keyOf(p), p]));
  const fresh = new Map((after?.packages ?? []).map((p) => [keyOf(p), p]));
  const moved: MovedPackage[] = [];
  const added: LockedPackage[] = [];
  let unchanged = 0;
  for (const [key, p] of fresh) {
    const was = old.get(key);
    if (!was) added.push(p);
    else if (was.version !== p.version || (was.source ?? "") !== (p.source ?? "")) {
      moved.push({ ecosystem: p.ecosystem, name: p.name, from: was.version || (was.source ?? ""), to: p.version || (p.source ?? "") });
    } else unchanged += 1;
  }
  const removed = [...old].filter(([key]) => !fresh.has(key)).map(([, p]) => p);
  return {
    equal: moved.length === 0 && added.length === 0 && removed.length === 0,
    moved: moved.sort(order),
    added: added.sort(order),
    removed: removed.sort(order),
    unchanged,
    noPreviousLock: before === undefined,
  };
}

export interface RebuildResult {
  result: BuildResult;
  /** The generation that was current before; it stays under `generations/` until collected. */
  previous?: CacheEntry | undefined;
  drift: LockDrift;
}

/**
 * A forced rebuild (`build --rebuild`) with its drift preview: the engine builds a new generation
 * (the old entry keeps answering lookups until the new one is written, and stays reachable after),
 * and the two generations' locks are compared.
 */
export async function rebuildWithDrift(engine: Engine, source: SpecSource | ParsedSpec, request: Omit<BuildRequest, "rebuild">): Promise<RebuildResult> {
  const { parsed, result: hashed } = await engine.resolve(source);
  const before = await engine.cache.local.get({ hash: hashed.hash, target: request.target });
  const result = await engine.build(parsed, { ...request, rebuild: true });
  return { result, previous: before.entry, drift: lockDrift(before.entry?.lock, result.entry.lock) };
}

/** Every generation of a build still on disk, oldest first; the current one is last. */
export async function listGenerations(engine: Engine, hash: CacheEntry["hash"], target: string): Promise<CacheEntry[]> {
  const local = engine.cache.local;
  const key = { hash, target };
  const current = (await local.get(key)).entry;
  const newest = (await local.nextGeneration(key)) - 1;
  const out: CacheEntry[] = [];
  for (let n = 1; n <= newest; n++) {
    if (n === current?.generation) continue;
    const entry = await readGeneration(local.generationPath(key, n));
    if (entry) out.push(entry);
  }
  if (current) out.push(current);
  return out;
}

async function readGeneration(file: string): Promise<CacheEntry | undefined> {
  try {
    const entry = JSON.parse((await readRegularFile(file)).bytes!.toString("utf8")) as CacheEntry; // never a FIFO
    return typeof entry.generation === "number" ? entry : undefined;
  } catch {
    return undefined;
  }
}
