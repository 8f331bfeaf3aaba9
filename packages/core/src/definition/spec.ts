import type { Locator, SourceLocation } from "./location.js";
import type { CanonicalSections, ParsedSections } from "./section-types.js";

/** `efh1:` + lowercase hex SHA-256 of the canonical bytes (see HASH.md). */
export type Hash = `efh1:${string}`;

/** What a host hands the engine: a file path, or an object (with a folder for relative paths). */
export type SpecSource =
  | string
  | { path: string }
  | { object: unknown; dir?: string; file?: string }
  | { text: string; file: string; dir?: string };

/** A file a definition refers to (requirements.txt, environment.yml, Dockerfile): its content counts. */
export interface ReferencedFile {
  /** The spec field that referenced it, e.g. `python.pipRequirements`, or the including file. */
  field: string;
  /** As written by the user, relative to the referencing file. */
  request: string;
  absolutePath: string;
  content: string;
  /** SHA-256 (hex) of the bytes read, when read from disk. */
  digest?: string | undefined;
}

/** The definition as read: raw data plus where each value was written. */
export interface LoadedSpec {
  /** Path of the definition file, or a label such as `<inline>`. */
  file: string;
  /** Folder relative references are resolved against. */
  dir: string;
  data: Record<string, unknown>;
  locator: Locator;
  /** Referenced files read while parsing; filled in by the parse stage. */
  files: ReferencedFile[];
  /** SHA-256 (hex) of the definition file's bytes, when it was read from a file. */
  digest?: string | undefined;
}

/** Fields that identify an environment but never reach the hash. */
export interface SpecIdentity {
  name?: string | undefined;
  version?: string | undefined;
  description?: string | undefined;
  tags?: Record<string, string> | undefined;
}

/** A value one section hands to another, e.g. a conda file's `pip:` sub-list to the pip section. */
export interface ForwardedItem {
  value: unknown;
  location: SourceLocation;
  /** Section that forwarded it. */
  from: string;
}

/** After the parse stage: identity, runtime variables, and each section as its plugin parsed it. */
export interface ParsedSpec {
  loaded: LoadedSpec;
  identity: SpecIdentity;
  /** Runtime variables: stored with the environment, never hashed. */
  variables: Record<string, string>;
  /** Section name → the plugin's own parsed value (typed through `SectionTypes`). */
  sections: ParsedSections;
}

/** A JSON value with sets already sorted: what is serialized and hashed. */
export type CanonicalValue =
  | null
  | boolean
  | number
  | string
  | CanonicalValue[]
  | { [key: string]: CanonicalValue };

/** The build-relevant part of a definition, in canonical form. */
export interface CanonicalSpec {
  contract: "efh1";
  /** Section name → canonical value; a section that contributes nothing is absent (typed through `SectionTypes`). */
  sections: CanonicalSections;
}

/** The result of hashing: the value and what it was computed from, so it can explain itself. */
export interface HashResult {
  hash: Hash;
  canonical: CanonicalSpec;
  /** The exact bytes that were hashed (UTF-8 of this string). */
  canonicalText: string;
}
