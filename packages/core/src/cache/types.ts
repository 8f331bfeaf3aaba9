import type { Hash } from "../spec.js";

/** What a builder produced. Only `kind` is required; the rest depends on the target. */
export interface Artifact {
  /** e.g. `venv`, `docker-image`, `conda-prefix`, `spark-jars`. */
  kind: string;
  /** A folder or file on this machine, when the artifact is one. */
  path?: string | undefined;
  /** An image reference, when the artifact is an image. */
  reference?: string | undefined;
  digest?: string | undefined;
  sizeBytes?: number | undefined;
  details?: Record<string, unknown> | undefined;
}

/** One package as a build resolved it. */
export interface LockedPackage {
  ecosystem: string;
  name: string;
  version: string;
  sha256?: string | undefined;
  source?: string | undefined;
}

/** What every unpinned and transitive package resolved to in one build. */
export interface Lock {
  packages: LockedPackage[];
  /** Tool output the lock was taken from (`pip freeze`, `conda list --explicit`), verbatim. */
  raw?: Record<string, string> | undefined;
}

export interface BuildTimings {
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

/** A cache entry: one built artifact for one hash and one target. */
export interface CacheEntry {
  schema: 1;
  hash: Hash;
  target: string;
  /** Rebuilds of the same hash make new generations; an entry is never overwritten in place. */
  generation: number;
  builder: string;
  artifact: Artifact;
  lock?: Lock | undefined;
  logPath?: string | undefined;
  timings: BuildTimings;
  /** Canonical text that produced `hash`, so an entry can be explained against a definition. */
  canonicalText: string;
  /** Environment name at build time: informational only (the hash ignores names). */
  name?: string | undefined;
}

export interface CacheKey {
  hash: Hash;
  target: string;
}

/** A lookup answered by one store. */
export interface CacheHit {
  entry: CacheEntry;
  /** The store that answered: `memory`, `local`, `docker-daemon`, `registry`… */
  store: string;
}

/** Stages at which cache stores tap `hooks.lookup`: cheapest first. */
export const STAGE_MEMORY = -10;
export const STAGE_LOCAL = 10;
export const STAGE_DAEMON = 15;
export const STAGE_NETWORK = 20;
