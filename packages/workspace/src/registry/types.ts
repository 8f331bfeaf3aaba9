import type { ErrorCode, WarningCode } from "@envforge/core/plugin-kit";
import type { Hash } from "@envforge/core/plugin-kit";
import type { EnvironmentDefinition } from "../definition.js";

/** One registered version of a named environment. */
export interface EnvironmentRecord {
  name: string;
  /** As given on register, or the next integer ("1", "2", …) when none was. */
  version: string;
  /** efh1 hash of the definition: what the cache is keyed by (names and versions are not hashed). */
  hash: Hash;
  definition: EnvironmentDefinition;
  createdAt: string;
  /** Labels pointing at this version; `latest` is maintained by the registry itself. */
  labels: string[];
  archived: boolean;
}

export interface RegisterInput {
  name: string;
  /** Omitted: the next integer. An existing version is immutable. */
  version?: string | undefined;
  hash: Hash;
  definition: EnvironmentDefinition;
  /** User labels to point at the new version (moved from other versions if they were set). */
  labels?: string[] | undefined;
  /** Names beginning with `envforge` are reserved for curated environments, which set this. */
  curated?: boolean | undefined;
}

export interface RegisterResult {
  record: EnvironmentRecord;
  /** false: the identical definition was already registered (same version, or the latest one). */
  created: boolean;
}

export interface ListOptions {
  /** Also show archived versions (and names whose versions are all archived). */
  includeArchived?: boolean | undefined;
}

/** One name in the registry, for listings. */
export interface EnvironmentSummary {
  name: string;
  /** The `latest` version, absent when every version is archived. */
  latest?: string | undefined;
  hash?: Hash | undefined;
  versions: number;
  /** Label → version, `latest` included. */
  labels: Record<string, string>;
  archived: boolean;
  updatedAt: string;
}

/**
 * Where named, versioned environments live. The embedded default is `FileRegistry` (a folder
 * beside the cache); a host can implement this with its own store (a database, a service).
 *
 * References: `NAME` (the latest non-archived version), `NAME@VERSION`, `NAME:LABEL`.
 */
export interface EnvironmentRegistry {
  register(input: RegisterInput): Promise<RegisterResult>;
  /** Throws `E_NOT_FOUND` (with the known names or versions in the hint). */
  get(ref: string): Promise<EnvironmentRecord>;
  find(ref: string): Promise<EnvironmentRecord | undefined>;
  list(options?: ListOptions): Promise<EnvironmentSummary[]>;
  /** Every version of a name, oldest first. */
  versions(name: string, options?: ListOptions): Promise<EnvironmentRecord[]>;
  /** Points a user label at a version (moving it if it pointed elsewhere). */
  setLabel(name: string, label: string, version: string): Promise<EnvironmentRecord>;
  removeLabel(name: string, label: string): Promise<void>;
  /** `NAME` archives every version, `NAME@V` / `NAME:LABEL` one. Archived versions stay readable. */
  archive(ref: string): Promise<EnvironmentRecord[]>;
  restore(ref: string): Promise<EnvironmentRecord[]>;
  /** Moves every version and label of a name to a new name (the hashes do not change). */
  rename(from: string, to: string): Promise<void>;
  /** Hashes of every non-archived version: the roots garbage collection keeps. */
  liveHashes(): Promise<Set<Hash>>;
}

/** A problem the registry recovered from; hosts show it (the CLI prints it, engines emit it). */
export interface RegistryWarning {
  code: ErrorCode | WarningCode;
  message: string;
  hint?: string | undefined;
}
