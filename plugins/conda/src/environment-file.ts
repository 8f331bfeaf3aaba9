import { didYouMean, createError, isEnvforgeError, type EnvforgeError, type FieldPath, type SourceLocation } from "@envforge/core/plugin-kit";
import { MatchSpecError, parseMatchSpec, type MatchSpec } from "./matchspec.js";

/**
 * Reads the `environment.yml` shape (inline under `python.conda`, or a file named by
 * `python.condaFile`) into checked values, each with the place it was written so that every error
 * and warning names file, line and column.
 */
export interface EnvironmentSource {
  data: unknown;
  locate(path: FieldPath, key?: boolean): SourceLocation;
  /** Dotted spec field for errors: `python.conda` or `python.condaFile`. */
  field: string;
  /** How paths inside are shown in messages: `python.conda.` or `environment.yml: `. */
  label: string;
  /**
   * Receives a problem of one item (a channel, a dependency, a variable) and lets reading go on
   * without it (`ParseContext.report`: `validate` lists every problem, other stages throw the first).
   * Without it, the first problem is thrown.
   */
  report?: ((error: EnvforgeError) => void) | undefined;
}

export interface LocatedSpec {
  spec: MatchSpec;
  /** As the user wrote it. */
  text: string;
  location: SourceLocation;
}

export interface LocatedString {
  value: string;
  location: SourceLocation;
}

export interface EnvironmentContent {
  /** The file's `name:` (identity only: never hashed). */
  name?: string | undefined;
  channels: string[];
  dependencies: LocatedSpec[];
  /** The `pip:` sub-lists, in order (the pip section owns them). */
  pip: LocatedString[];
  /** conda's per-environment variables (written into the prefix's `conda-meta/state`). */
  variables: Record<string, string>;
}

const KEYS = ["channels", "dependencies", "name", "prefix", "variables"];

export function readEnvironment(source: EnvironmentSource): EnvironmentContent {
  const { data } = source;
  const at = (path: FieldPath, key = false) => source.locate(path, key);
  const where = (path: FieldPath) => `${source.label}${formatRelative(path)}`;
  if (data === null || data === undefined) return { channels: [], dependencies: [], pip: [], variables: {} };
  if (!isRecord(data)) {
    throw createError("E_WRONG_TYPE", `${source.label.replace(/[.:]\s*$/, "")} must be a mapping with channels: and dependencies:, got ${describe(data)}`, {
      field: source.field,
      location: at([]),
      hint: "write it like a conda environment.yml: `channels: [conda-forge]` and `dependencies: [numpy=1.26]`",
    });
  }
  for (const key of Object.keys(data)) {
    if (KEYS.includes(key)) continue;
    const guess = didYouMean(key, KEYS);
    throw createError("E_UNKNOWN_KEY", `unknown field "${where([key])}"${guess ? `; did you mean "${guess}"?` : ""}`, {
      field: source.field,
      location: at([key], true),
      hint: `valid fields of a conda environment: ${KEYS.join(", ")}`,
    });
  }

  const name = data.name;
  if (name !== undefined && name !== null && typeof name !== "string" && typeof name !== "number") {
    throw wrongType(source, ["name"], "a string", name);
  }
  if (data.prefix !== undefined && data.prefix !== null && typeof data.prefix !== "string") {
    throw wrongType(source, ["prefix"], "a string", data.prefix);
  }

  // One item's problem: reported (reading goes on without the item) or thrown.
  const fail = (error: EnvforgeError): void => {
    if (source.report) source.report(error);
    else throw error;
  };

  const channels: string[] = [];
  for (const [i, item] of listAt(source, "channels").entries()) {
    if (typeof item !== "string") {
      fail(wrongType(source, ["channels", i], "a channel name or URL", item));
      continue;
    }
    const channel = item.trim();
    if (channel === "") {
      fail(invalid(source, ["channels", i], "an empty channel", "remove the empty entry or name a channel, e.g. conda-forge"));
      continue;
    }
    channels.push(channel);
  }

  const dependencies: LocatedSpec[] = [];
  const pip: LocatedString[] = [];
  for (const [i, item] of listAt(source, "dependencies").entries()) {
    const path = ["dependencies", i];
    if (typeof item === "string") {
      try {
        dependencies.push({ spec: matchSpecAt(source, path, item), text: item, location: at(path) });
      } catch (error) {
        if (!isEnvforgeError(error)) throw error;
        fail(error);
      }
      continue;
    }
    if (!isRecord(item) || Object.keys(item).length !== 1 || !("pip" in item)) {
      fail(wrongType(source, path, "a MatchSpec string or a `pip:` list", item));
      continue;
    }
    const sub = item.pip ?? [];
    if (!Array.isArray(sub)) {
      fail(wrongType(source, [...path, "pip"], "a list of pip requirements", sub));
      continue;
    }
    for (const [j, requirement] of sub.entries()) {
      if (typeof requirement !== "string") fail(wrongType(source, [...path, "pip", j], "a pip requirement string", requirement));
      else pip.push({ value: requirement, location: at([...path, "pip", j]) });
    }
  }

  const variables: Record<string, string> = {};
  const vars = data.variables ?? {};
  if (!isRecord(vars)) fail(wrongType(source, ["variables"], "a mapping of variable names to values", vars));
  else {
    for (const [key, value] of Object.entries(vars)) {
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
        fail(wrongType(source, ["variables", key], "a string, number or boolean", value));
        continue;
      }
      variables[key] = String(value);
    }
  }

  return {
    name: name === undefined || name === null ? undefined : String(name),
    channels,
    dependencies,
    pip,
    variables,
  };
}

function matchSpecAt(source: EnvironmentSource, path: FieldPath, text: string): MatchSpec {
  try {
    return parseMatchSpec(text);
  } catch (cause) {
    if (!(cause instanceof MatchSpecError)) throw cause;
    throw createError("E_INVALID_MATCHSPEC", `${source.label}${formatRelative(path)}: ${cause.message}`, {
      field: source.field,
      location: source.locate(path),
      hint: cause.hint,
      cause,
    });
  }
}

/** A list field; `null` (a key with nothing after it) reads as empty, like conda does. */
function listAt(source: EnvironmentSource, key: string): unknown[] {
  const value = (source.data as Record<string, unknown>)[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw wrongType(source, [key], "a list", value);
  return value;
}

function wrongType(source: EnvironmentSource, path: FieldPath, expected: string, value: unknown): EnvforgeError {
  return createError("E_WRONG_TYPE", `${source.label}${formatRelative(path)} must be ${expected}, got ${describe(value)}`, {
    field: source.field,
    location: source.locate(path),
    hint: "conda environment files list channels as strings and dependencies as MatchSpec strings, plus `- pip: [...]` entries for pip requirements",
  });
}

function invalid(source: EnvironmentSource, path: FieldPath, what: string, hint: string): EnvforgeError {
  return createError("E_INVALID_VALUE", `${source.label}${formatRelative(path)} is ${what}`, {
    field: source.field,
    location: source.locate(path),
    hint,
  });
}

function formatRelative(path: FieldPath): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "nothing (null)";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}
