import { isHash } from "../hash/hash-format.js";
import type { Artifact, ArtifactSeal, CacheEntry, ContentDigest, Lock } from "./types.js";

/**
 * Parses an entry file's JSON; `undefined` when it is not a complete, well-formed entry.
 *
 * Written out by hand rather than with a schema library: this runs on every cache hit, including
 * a fresh process's first one (`@envforge/core/quick`), whose whole budget is a few milliseconds —
 * less than loading a schema library takes. Unknown top-level fields are dropped; an artifact and
 * locked packages keep theirs (plugins put their own details there).
 */
export function parseEntry(text: string): CacheEntry | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(data)) return undefined;
  const { schema, hash, target, generation, builder, artifact, lock, logPath, timings, canonicalText, name, seal, contentDigest, coordination } = data;
  if (schema !== 1) return undefined;
  if (typeof hash !== "string" || !isHash(hash)) return undefined;
  if (typeof target !== "string" || target.length === 0) return undefined;
  if (typeof generation !== "number" || !Number.isInteger(generation) || generation < 1) return undefined;
  if (typeof builder !== "string" || typeof canonicalText !== "string") return undefined;
  if (!isArtifact(artifact) || !isTimings(timings)) return undefined;
  if (lock !== undefined && !isLock(lock)) return undefined;
  if (!optional(logPath, "string") || !optional(name, "string")) return undefined;
  // Written before seals existed: both absent (sealed on the first hit, see seal.ts).
  if (seal !== undefined && !isSeal(seal)) return undefined;
  if (contentDigest !== undefined && !isContentDigest(contentDigest)) return undefined;
  if (coordination !== undefined && !(isRecord(coordination) && typeof coordination.fence === "number" && typeof coordination.holder === "string")) return undefined;
  const entry: CacheEntry = { schema, hash, target, generation, builder, artifact, timings, canonicalText };
  if (lock !== undefined) entry.lock = lock;
  if (logPath !== undefined) entry.logPath = logPath as string;
  if (name !== undefined) entry.name = name as string;
  if (seal !== undefined) entry.seal = seal;
  if (contentDigest !== undefined) entry.contentDigest = contentDigest;
  if (coordination !== undefined) entry.coordination = coordination as { fence: number; holder: string };
  return entry;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optional(value: unknown, type: "string" | "number"): boolean {
  return value === undefined || typeof value === type;
}

function isArtifact(value: unknown): value is Artifact {
  if (!isRecord(value) || typeof value.kind !== "string") return false;
  if (!optional(value.path, "string") || !optional(value.reference, "string") || !optional(value.digest, "string")) return false;
  if (!optional(value.sizeBytes, "number")) return false;
  return value.details === undefined || isRecord(value.details);
}

function isTimings(value: unknown): value is CacheEntry["timings"] {
  return isRecord(value) && typeof value.startedAt === "string" && typeof value.finishedAt === "string" && typeof value.durationMs === "number";
}

function isLock(value: unknown): value is Lock {
  if (!isRecord(value) || !Array.isArray(value.packages)) return false;
  for (const p of value.packages) {
    if (!isRecord(p) || typeof p.ecosystem !== "string" || typeof p.name !== "string" || typeof p.version !== "string") return false;
  }
  if (value.raw === undefined) return true;
  return isRecord(value.raw) && Object.values(value.raw).every((v) => typeof v === "string");
}

/** A seal of a newer format (`v` above 1) is kept as it is: the envforge that wrote it checks it. */
function isSeal(value: unknown): value is ArtifactSeal {
  if (!isRecord(value) || typeof value.v !== "number") return false;
  if (value.v !== 1) return true;
  if (typeof value.path !== "string" || !Array.isArray(value.stamps)) return false;
  return value.stamps.every(
    (s) => isRecord(s) && typeof s.path === "string" && (s.type === "d" || s.type === "f" || s.type === "l") && typeof s.mtimeMs === "number" && optional(s.size, "number"),
  );
}

function isContentDigest(value: unknown): value is ContentDigest {
  if (!isRecord(value) || typeof value.algorithm !== "string" || typeof value.value !== "string") return false;
  if (typeof value.files !== "number" || typeof value.bytes !== "number") return false;
  return value.exclude === undefined || (Array.isArray(value.exclude) && value.exclude.every((e) => typeof e === "string"));
}
