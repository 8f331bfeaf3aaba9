import type { Hash } from "../definition/spec.js";

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
  /**
   * What every hit checks of an artifact folder in the cache (seal.ts): absent in entries written
   * before seals existed (they are sealed on their first hit) and for artifacts that are no folder
   * of the cache (images, a user-managed interpreter).
   */
  seal?: ArtifactSeal | undefined;
  /** The digest of the artifact's files at build time, for `envforge cache verify` (content-digest.ts). */
  contentDigest?: ContentDigest | undefined;
  /**
   * The lease this build held from a coordinator across machines (`hooks.coordinate`): its fencing
   * token grows with every lease, so a record left by a holder that lost its lease is the older one.
   */
  coordination?: { fence: number; holder: string } | undefined;
}

/** Stamps of an artifact folder taken right after its build: cheap to compare (one lstat each). */
export interface ArtifactSeal {
  /** Format version: 1 is this one; a newer one is left to the envforge that wrote it. */
  v: number;
  /** The artifact path sealed: an entry whose `artifact.path` was edited no longer matches it. */
  path: string;
  /** The folder itself (path `""`) first, then the paths its builder named. */
  stamps: SealStamp[];
}

export interface SealStamp {
  /** Relative to the artifact folder, `/`-separated; `""` is the folder itself. */
  path: string;
  /** `d` folder, `f` file, `l` symbolic link (which must still lead to something). */
  type: "d" | "f" | "l";
  mtimeMs: number;
  /** Files and links only: a folder's size depends on the file system's history, not its entries. */
  size?: number | undefined;
}

/** sha256 over the artifact's sorted file list (type, mode, size, content digest, path). */
export interface ContentDigest {
  /** `sha256-tree-1` is this one; another is reported as not checkable. */
  algorithm: string;
  value: string;
  files: number;
  bytes: number;
  /** Relative paths left out besides `__pycache__` folders and `*.pyc` files (normal use writes there). */
  exclude?: string[] | undefined;
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

/** What `hooks.discard` is told when an entry is removed (`cache gc`, `cache rm`). */
export interface DiscardContext {
  /** Also remove what the entry left in a shared registry (its cache tags; `cache gc --registry`). */
  registry: boolean;
}
