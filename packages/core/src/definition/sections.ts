import type { WarningCode } from "../errors/registry.js";
import type { z } from "zod";
import type { EnvforgeError } from "../errors/envforge-error.js";
import type { SourceDocument } from "./document.js";
import type { FieldPath, SourceLocation } from "./location.js";
import type { HostPolicy } from "../policy/policy.js";
import type { ForwardedItem, LoadedSpec, ReferencedFile } from "./spec.js";
import type { EnvLock } from "../lock/lock-types.js";

/**
 * A field of the environment file and the section (plugin) that owns it. Core composes the schema
 * from these, so a field no loaded plugin declares is an error, never hashed raw.
 */
export interface FieldDefinition {
  /** Dotted path: `python.pip`, `docker`, `spark`. At most two segments. */
  path: string;
  /** The section the field belongs to; its parser and canonicalizer are keyed by this name. */
  section: string;
  schema: z.ZodType;
  /** One line for editors (JSON Schema `description`). */
  description: string;
  /** The field installs packages (refused when `python.userManaged` is true). */
  installs?: boolean | undefined;
}

/** Declares which other sections a section forwards items to (so it is parsed before them). */
export interface SectionOrder {
  section: string;
  forwardsTo: string[];
}

/**
 * A rule between fields of one group (`docker.*`, `python.*`) that no single field's schema can
 * say. The section's parser enforces it with a located error; the rule itself only reaches the
 * JSON Schema, so that editors flag the mistake while it is typed. Fields are dotted paths.
 */
export type FieldRule =
  /** Exactly one of the fields is present: `docker.baseImage` or `docker.baseDockerfile`. */
  | { kind: "exactlyOne"; fields: string[] }
  /** No two of the fields are present together: `python.conda` or `python.condaFile`. */
  | { kind: "atMostOne"; fields: string[] }
  /** When `when` is `equals`, every field of `requires` is present: `python.userManaged: true` needs `interpreterPath`. */
  | { kind: "requiredWhen"; when: string; equals: string | number | boolean; requires: string[] };

/** Collects field definitions from every plugin (`hooks.schema`). */
export interface SchemaBuilder {
  field(definition: FieldDefinition): void;
  order(order: SectionOrder): void;
  rule(rule: FieldRule): void;
}

/** The raw values of one section's fields that are present, keyed by dotted path. */
export type SectionFields = Record<string, unknown>;

export interface ParseContext {
  readonly spec: LoadedSpec;
  readonly section: string;
  /** What the host lets definitions do (policy.ts). */
  readonly policy: HostPolicy;
  /** Where a field of the definition file was written. */
  locate(path: FieldPath, key?: boolean): SourceLocation;
  /**
   * Reads a file referenced from `from` (a definition field or another referenced file), relative
   * to the referencing file's folder. Missing files and files outside the definition's folder are
   * `EnvforgeError`s located at `location`.
   */
  readFile(request: string, from: { field: string; location: SourceLocation; baseDir?: string }): Promise<ReferencedFile>;
  /** Parses YAML/JSON with positions (for referenced YAML files such as environment.yml). */
  parseDocument(text: string, file: string): SourceDocument;
  /** Items forwarded to this section by sections parsed before it. */
  forwarded(): readonly ForwardedItem[];
  /** Hands items to another section (declared with `SchemaBuilder.order`). */
  forward(section: string, items: ForwardedItem[]): void;
  warn(code: WarningCode, message: string, location?: SourceLocation, hint?: string): void;
  /**
   * A problem the parser can go on after (one bad line of many). When the host collects every
   * problem (`engine.validate`) it is recorded and returns; otherwise it is thrown, so builds and
   * hashes still stop at the first problem.
   */
  report(error: EnvforgeError): void;
  /**
   * The lock beside the definition (LOCK.md), read before the sections, when there is one: a
   * section need not warn `W_UNPINNED` about a package the lock pins.
   */
  readonly lock?: EnvLock | undefined;
}

export interface CanonicalizeContext {
  readonly section: string;
}
