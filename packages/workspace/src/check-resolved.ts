import type { CacheEntry, CanonicalSpec, Engine, EnvLock, Lock, ParsedSpec } from "@envforge/core/plugin-kit";

/**
 * What `check` knows beyond the lists a definition writes: the definition's lock (`env.lock`,
 * LOCK.md), which pins every package of the sections it covers, and the resolved set a build
 * recorded (`entry.lock`), which names the nested packages nothing pins.
 */

/** The check's ecosystems (spark's packages are Maven's). */
export type Ecosystem = "pip" | "conda" | "maven";

/** The lock part that covers each ecosystem. */
const LOCK_PART: Record<Ecosystem, "pip" | "conda" | "spark"> = { pip: "pip", conda: "conda", maven: "spark" };

/** The definition's lock, when one lies beside it (core reads it into the `lock` section). */
export function definitionLock(parsed: ParsedSpec): EnvLock | undefined {
  const lock = (parsed.sections as Record<string, unknown>).lock as EnvLock | undefined;
  return lock !== undefined && lock.version === 1 ? lock : undefined;
}

/** Ecosystems (and the base image) the lock pins whole. */
export function lockCovers(lock: EnvLock | undefined): { ecosystems: Set<Ecosystem>; image: boolean } {
  const ecosystems = new Set<Ecosystem>();
  if (lock) for (const [eco, part] of Object.entries(LOCK_PART) as Array<[Ecosystem, "pip" | "conda" | "spark"]>) if (Array.isArray(lock[part])) ecosystems.add(eco);
  return { ecosystems, image: lock?.image !== undefined };
}

/** A package name as each ecosystem compares names (PEP 503 for pip; `group:artifact` for Maven). */
export function packageKey(ecosystem: string, name: string): string {
  if (ecosystem === "pip") return `pip:${name.toLowerCase().replace(/[-_.]+/g, "-")}`;
  if (ecosystem === "maven") return `maven:${name.split(":").slice(0, 2).join(":")}`;
  return `${ecosystem}:${name.toLowerCase()}`;
}

const VENV_SEED = new Set(["pip", "setuptools", "wheel"].map((n) => packageKey("pip", n)));

export interface ResolvedPackage {
  ecosystem: Ecosystem;
  name: string;
  version: string;
  /** Where the record comes from: the lock file, or the build of this target. */
  from: "lock" | string;
}

/** The whole resolved set: the lock file's packages, else the build's record. */
export function resolvedSet(lock: EnvLock | undefined, entry: CacheEntry | undefined): ResolvedPackage[] {
  const out = new Map<string, ResolvedPackage>();
  for (const p of lock?.pip ?? []) out.set(packageKey("pip", p.name), { ecosystem: "pip", name: p.name, version: p.version, from: "lock" });
  for (const p of lock?.conda ?? []) out.set(packageKey("conda", p.name), { ecosystem: "conda", name: p.name, version: p.version, from: "lock" });
  for (const j of lock?.spark ?? []) {
    const [group, artifact, version] = j.coordinate.split(":");
    out.set(packageKey("maven", `${group}:${artifact}`), { ecosystem: "maven", name: `${group}:${artifact}`, version: version ?? "", from: "lock" });
  }
  for (const p of entry?.lock?.packages ?? []) {
    const ecosystem = p.ecosystem as Ecosystem;
    if (!(ecosystem in LOCK_PART)) continue;
    // A venv's own tools come with its interpreter (ensurepip), not from resolving the definition.
    if (ecosystem === "pip" && VENV_SEED.has(packageKey("pip", p.name))) continue;
    const key = packageKey(ecosystem, p.name);
    if (!out.has(key)) out.set(key, { ecosystem, name: p.name, version: p.version, from: entry!.target });
  }
  return [...out.values()];
}

/**
 * The target whose build `check` and `pin` read when none is named: `venv` when it carries the
 * whole definition (the CLI's default), else the first loaded target that does, else `venv`.
 * Never "the newest build of any target": a Spark folder's lock says nothing of a pip list.
 */
export function defaultTarget(engine: Engine, parsed: ParsedSpec, canonical: CanonicalSpec): string {
  const sections = Object.keys(canonical.sections).filter((s) => s in parsed.sections && s !== "lock");
  const fits = (t: string) => engine.targets.dropped(t, sections).length === 0 && engine.hooks.build.get(t)?.isUsed() === true;
  const names = engine.targets.names();
  if (!names.includes("venv") || fits("venv")) return "venv";
  return names.find(fits) ?? "venv";
}

/** The named target's current build of the hash (its newest generation), if any. */
export async function latestEntry(engine: Engine, hash: CacheEntry["hash"], target: string): Promise<CacheEntry | undefined> {
  return (await engine.cache.local.get({ hash, target })).entry;
}

/** A lock file as the resolved set `pin` writes from (name and version per ecosystem). */
export function lockPackagesOf(lock: EnvLock): Lock {
  return {
    packages: resolvedSet(lock, undefined).map((p) => ({ ecosystem: p.ecosystem, name: p.name, version: p.version })),
  };
}
