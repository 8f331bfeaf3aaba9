import type { CanonicalValue } from "../definition/spec.js";
import type { EnvLock, LockedCondaPackage, LockedDistribution, LockedJar } from "./lock-types.js";

const byKey = <T>(key: (item: T) => string) => (a: T, b: T) => {
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/** Only defined fields, so an absent `sha256` and a missing key write the same text. */
function defined(record: Record<string, string | undefined>): Record<string, CanonicalValue> {
  const out: Record<string, CanonicalValue> = {};
  for (const key of Object.keys(record).sort()) if (record[key] !== undefined) out[key] = record[key];
  return out;
}

const pipKey = (d: LockedDistribution) => `${d.name}\0${d.version}\0${d.file}`;
const condaKey = (p: LockedCondaPackage) => `${p.subdir}\0${p.name}\0${p.version}\0${p.build}\0${p.file}`;
const jarKey = (j: LockedJar) => `${j.coordinate}\0${j.file}`;

/**
 * The lock's canonical value: every list is a set, sorted by what identifies an entry (order in
 * the file never moves the hash), duplicates dropped; empty lists are left out like absent ones.
 */
export function canonicalLock(lock: EnvLock): CanonicalValue {
  const out: Record<string, CanonicalValue> = {};
  const set = <T>(items: readonly T[] | undefined, key: (item: T) => string, value: (item: T) => Record<string, string | undefined>) => {
    if (!items || items.length === 0) return undefined;
    const seen = new Map<string, T>();
    for (const item of items) seen.set(key(item), item);
    return [...seen.values()].sort(byKey(key)).map((item) => defined(value(item)));
  };
  const conda = set(lock.conda, condaKey, (p) => ({ name: p.name, version: p.version, build: p.build, channel: p.channel, subdir: p.subdir, file: p.file, sha256: p.sha256, md5: p.md5 }));
  if (conda) out.conda = conda;
  if (lock.image) out.image = defined({ base: lock.image.base, digest: lock.image.digest });
  const pip = set(lock.pip, pipKey, (d) => ({ name: d.name, version: d.version, file: d.file, sha256: d.sha256 }));
  if (pip) out.pip = pip;
  out.platform = lock.platform;
  if (lock.python !== undefined) out.python = lock.python;
  const spark = set(lock.spark, jarKey, (j) => ({ coordinate: j.coordinate, file: j.file, sha256: j.sha256 }));
  if (spark) out.spark = spark;
  out.version = lock.version;
  return out;
}

/** The lock in canonical order (what `formatLock` writes): sorted lists, same content. */
export function normalizeLock(lock: EnvLock): EnvLock {
  return JSON.parse(JSON.stringify(canonicalLock(lock))) as EnvLock;
}
