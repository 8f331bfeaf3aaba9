import type { Lock } from "./cache/types.js";
import type { FieldPath } from "./definition/location.js";
import type { WarningCode } from "./errors/registry.js";

/**
 * What the `pin` and `import` hooks exchange. The workspace (`envforge pin`, `envforge import`)
 * drives them and knows no ecosystem; each plugin pins and imports its own.
 */

/**
 * A YAML document being pinned: the definition itself or a YAML file it carries (a conda
 * environment file). Reads see the edits made so far; edits keep comments and layout, and only
 * the strings set change.
 */
export interface PinDocument {
  /** The number of items of the sequence at `path`; `undefined` when there is no sequence there. */
  length(path: FieldPath): number | undefined;
  /** The string at `path`; `undefined` when it is absent, not a string, or an alias. */
  text(path: FieldPath): string | undefined;
  /** Whether a mapping is at `path`. */
  isMapping(path: FieldPath): boolean;
  /** Replaces the item at `path` with `value`. */
  set(path: FieldPath, value: string): void;
}

/** One item rewritten to the version the lock records. */
export interface PinChange {
  /** The lock's ecosystem of the package (`pip`, `conda`). */
  ecosystem: string;
  name: string;
  from: string;
  to: string;
  /** `python.pip[2]`, `requirements.txt:4`, `environment.yml: dependencies[3]`. */
  where: string;
}

/** An unpinned item the lock does not know (the build did not install it?): left as written. */
export interface PinMissing {
  ecosystem: string;
  written: string;
  where: string;
}

/** What one call of a section's `pin` tap did, in the order it met the items. */
export interface PinOutcome {
  changes: PinChange[];
  missing: PinMissing[];
}

/**
 * What a section's `pin` tap is asked to pin. The workspace asks every section for its
 * `document` part, then every section for its `files`, then each queued file in the order
 * queued — the order the definition reads: what it lists inline, then the files it names.
 */
export type PinRequest =
  /** The section's items written inline in the definition document (`ctx.document`). */
  | { kind: "document" }
  /** The files the section's fields name (pin them now, or `ctx.queueFile` them). */
  | { kind: "files" }
  /**
   * The section's items written inside another section's document (conda's `pip:` sub-list),
   * forwarded with `ctx.forward`: the sequence at `path` of `document`.
   */
  | {
      kind: "list";
      document: PinDocument;
      path: FieldPath;
      /** Folder (relative POSIX, `.` for the definition's) that relative paths in the items are relative to. */
      baseDir: string;
      /** How `where` names the list, e.g. `environment.yml: dependencies[2].pip`. */
      where: string;
    }
  /** A file the section queued with `ctx.queueFile` (relative POSIX path; each file once). */
  | { kind: "file"; file: string };

/** The pinning of one definition, shared by every section's tap. */
export interface PinContext {
  /** The definition document. */
  readonly document: PinDocument;
  /** What the build recorded: every package it installed, with its ecosystem and version. */
  readonly lock: Lock;
  /** A file the definition carries (relative POSIX path, as its `files` key it), with the edits so far. */
  readFile(file: string): string | undefined;
  /** Replaces a carried file's content. */
  writeFile(file: string, content: string): void;
  /** A carried YAML file, opened for edits (written back when pinning ends); `undefined` when it is not carried. */
  openDocument(file: string): PinDocument | undefined;
  /** Queues a file of `section` to pin after every section's `document` and `files` parts; a file queued again is ignored. */
  queueFile(section: string, file: string): void;
  /** Has `section`'s tap pin a `list` of its items now; its outcome is to be merged in place. */
  forward(section: string, request: Extract<PinRequest, { kind: "list" }>): Promise<PinOutcome>;
}

/** A file to turn into a definition's fields (`envforge import <format> FILE`). */
export interface ImportRequest {
  /** Absolute path of the file. */
  file: string;
  /**
   * `false`: the definition refers to the file (carried along as written, comments and all);
   * `true`: its content is written into the definition where the format allows it.
   */
  inline: boolean;
}

/** A notice for the person importing (printed, never stored in the definition). */
export interface ImportNotice {
  code: WarningCode;
  message: string;
}

export interface ImportResult {
  /** The definition's fields, e.g. `{ python: { pipRequirements: "requirements.txt" } }`; no identity fields. */
  fields: Record<string, unknown>;
  /** The name the file gives itself (a conda file's `name:`), for callers given none. */
  name?: string | undefined;
  /** What the import noticed: unpinned packages (`W_UNPINNED`). Only for what it read itself (`inline`). */
  warnings: ImportNotice[];
  /** Remarks about what the definition leaves out (a requirements file's index options are build options). */
  notes: string[];
}
