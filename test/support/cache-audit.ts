import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { findStaleLock, LocalStore, type CacheEntry, type Hash } from "@envforge/core/plugin-kit";

export interface CacheAudit {
  /** Entry files the engine takes as valid, whose artifact is complete. */
  valid: CacheEntry[];
  /** Entry files that are not well-formed entries, or that the engine would reject: must stay empty. */
  broken: string[];
  /** Entries the engine takes as valid although their artifact is incomplete: must stay empty. */
  incomplete: string[];
  /** Older generations' entry files that do not parse: must stay empty. */
  brokenGenerations: string[];
  /** Artifact folders no entry points at (a killed or failed build): allowed, rebuilt over. */
  debris: string[];
  /** Lock folders present (a killed holder's): allowed, taken over by the next build. */
  locks: string[];
  /** Locks a later run would wait for (their holder looks alive): must stay empty once builders are gone. */
  liveLocks: string[];
}

const HEX = /^[0-9a-f]{64}$/;

/**
 * Reads a local cache the way a later run would and checks what a crash must never leave: every
 * entry file parses as an entry, the engine's own lookup accepts it, and the artifact it points
 * at is complete (`isComplete`, the target's own check).
 */
export async function auditCache(cacheDir: string, isComplete: (entry: CacheEntry) => Promise<boolean>): Promise<CacheAudit> {
  const root = path.join(cacheDir, "v1");
  const store = new LocalStore(cacheDir);
  const audit: CacheAudit = { valid: [], broken: [], incomplete: [], brokenGenerations: [], debris: [], locks: [], liveLocks: [] };
  const pointedAt = new Set<string>();
  for (const target of await list(path.join(root, "entries"))) {
    for (const name of await list(path.join(root, "entries", target))) {
      // write-file-atomic's temp files (`<hex>.json.<n>`) and quarantined files are never read.
      if (!name.endsWith(".json")) continue;
      const file = path.join(root, "entries", target, name);
      const hex = name.slice(0, -".json".length);
      let raw: CacheEntry;
      try {
        raw = JSON.parse(await readFile(file, "utf8")) as CacheEntry;
      } catch {
        audit.broken.push(`${file}: not JSON`);
        continue;
      }
      if (!HEX.test(hex) || raw.hash !== `efh1:${hex}` || raw.target !== target) {
        audit.broken.push(`${file}: names another key`);
        continue;
      }
      const { entry, miss } = await store.get({ hash: raw.hash as Hash, target });
      if (!entry) {
        audit.broken.push(`${file}: ${miss?.corrupt ?? "rejected by the engine"}`);
        continue;
      }
      if (entry.artifact.path) pointedAt.add(path.resolve(entry.artifact.path));
      if (await isComplete(entry)) audit.valid.push(entry);
      else audit.incomplete.push(`${file}: artifact ${entry.artifact.path} is incomplete`);
    }
  }
  for (const target of await list(path.join(root, "generations"))) {
    for (const hex of await list(path.join(root, "generations", target))) {
      for (const name of await list(path.join(root, "generations", target, hex))) {
        if (!name.endsWith(".json")) continue;
        const file = path.join(root, "generations", target, hex, name);
        try {
          const old = JSON.parse(await readFile(file, "utf8")) as CacheEntry;
          if (old.hash !== `efh1:${hex}` || old.generation !== Number.parseInt(name, 10)) throw new Error("mismatch");
          if (old.artifact.path) pointedAt.add(path.resolve(old.artifact.path));
        } catch {
          audit.brokenGenerations.push(file);
        }
      }
    }
  }
  for (const target of await list(path.join(root, "artifacts"))) {
    for (const name of await list(path.join(root, "artifacts", target))) {
      const dir = path.join(root, "artifacts", target, name);
      if (!pointedAt.has(dir)) audit.debris.push(dir);
    }
  }
  audit.locks = (await list(path.join(root, "locks"))).filter((n) => n.endsWith(".lock"));
  for (const name of audit.locks) {
    const lockDir = path.join(root, "locks", name);
    const holders = `${lockDir.slice(0, -".lock".length)}.holders`;
    // With the default staleness (15 s): only a dead holder's lock is recognised at once.
    if (existsSync(lockDir) && !(await findStaleLock(lockDir, holders, 15_000))) {
      const recorded = await readdir(holders).catch(() => ["(no holder records)"]);
      audit.liveLocks.push(`${name}: holders ${recorded.join(", ")}`);
    }
  }
  return audit;
}

async function list(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).sort();
}
