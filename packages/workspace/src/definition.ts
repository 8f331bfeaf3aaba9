import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { isMap, parseDocument, stringify, type YAMLMap } from "yaml";
import { createError, LOCK_SECTION, lockPathFor, readRegularFile, type Engine, type HashResult, type ParsedSpec, type SpecSource } from "@envforge/core/plugin-kit";
import { writeFileAtomic } from "./write-atomic.js";

/** File name of the definition document inside a saved folder. */
export const DEFINITION_FILE = "env.yaml";

/**
 * A whole environment definition, self-contained: the document as written plus the content of
 * every file it references (requirements, conda file, Dockerfile), keyed by path relative to the
 * document's folder. Enough to rebuild it, or to hash it, on another machine.
 */
export interface EnvironmentDefinition {
  /** The definition document's data (identity fields included; they are not hashed). */
  document: Record<string, unknown>;
  /** Relative POSIX path → content, verbatim (line endings kept: they are the user's). */
  files: Record<string, string>;
  /** The document's original text, when it came from a file: kept so comments survive a save. */
  text?: string | undefined;
}

/** A definition read through the engine, with the hash it has. */
export interface CapturedDefinition {
  definition: EnvironmentDefinition;
  parsed: ParsedSpec;
  result: HashResult;
}

/**
 * Reads a definition with the engine (so every referenced file the plugins read is recorded) and
 * makes it self-contained. Files outside the definition's folder cannot be carried along.
 */
export async function captureDefinition(engine: Engine, source: SpecSource): Promise<CapturedDefinition> {
  const { parsed, result } = await engine.resolve(source);
  return definitionOf(parsed, result, source);
}

/** The self-contained definition of a spec the engine already parsed from `source`. */
export async function definitionOf(parsed: ParsedSpec, result: HashResult, source: SpecSource): Promise<CapturedDefinition> {
  const files: Record<string, string> = {};
  for (const file of parsed.loaded.files) {
    const rel = path.relative(parsed.loaded.dir, file.absolutePath);
    if (rel.startsWith("..") || path.isAbsolute(rel)) {
      throw createError("E_FILE_OUTSIDE_ROOT", `"${file.request}" (${file.absolutePath}) is outside the definition's folder ${parsed.loaded.dir}, so it cannot be stored with the definition`, {
        field: file.field,
        hint: "copy the file beside the definition and refer to it by a relative path",
      });
    }
    // The lock (LOCK.md) lives beside the definition, which is stored as env.yaml: so is it, as env.lock.
    files[file.field === LOCK_SECTION ? lockPathFor(DEFINITION_FILE) : rel.split(path.sep).join("/")] = file.content;
  }
  const text = await originalText(source);
  const definition: EnvironmentDefinition = { document: structuredClone(parsed.loaded.data), files };
  if (text !== undefined) definition.text = text;
  return { definition, parsed, result };
}

async function originalText(source: SpecSource): Promise<string | undefined> {
  if (typeof source === "string" || "path" in source) {
    const { bytes } = await readRegularFile(path.resolve(typeof source === "string" ? source : source.path)); // the loader read it as a file: still one
    return bytes!.toString("utf8");
  }
  if ("text" in source) return source.text;
  return undefined;
}

/** Checks a stored relative path cannot escape the folder it is written into. */
export function safeRelativePath(rel: string): string {
  const normal = path.posix.normalize(rel);
  if (
    rel === "" ||
    path.posix.isAbsolute(rel) ||
    /^[a-zA-Z]:/.test(rel) ||
    normal === ".." ||
    normal.startsWith("../") ||
    normal === DEFINITION_FILE
  ) {
    throw createError("E_INVALID_VALUE", `a definition's file path "${rel}" is not a plain relative path inside its folder`, {
      hint: `referenced files must live beside the definition (and not be named ${DEFINITION_FILE})`,
    });
  }
  return normal;
}

/** The document text to write: the original text when it still says the same, else fresh YAML. */
export function documentText(definition: EnvironmentDefinition): string {
  if (definition.text !== undefined) return definition.text;
  return stringify(definition.document, { lineWidth: 0 });
}

/**
 * Writes the definition into `dir` (`env.yaml` plus its files, each atomically) and returns the
 * document's path. Building or hashing that path reproduces the definition's hash.
 */
export async function writeDefinition(definition: EnvironmentDefinition, dir: string): Promise<string> {
  const root = path.resolve(dir);
  await mkdir(root, { recursive: true });
  for (const [rel, content] of Object.entries(definition.files)) {
    const target = path.join(root, ...safeRelativePath(rel).split("/"));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFileAtomic(target, content);
  }
  const file = path.join(root, DEFINITION_FILE);
  await writeFileAtomic(file, documentText(definition));
  return file;
}

/**
 * Runs `use` with a source the engine can read for a stored definition. A definition without files
 * is handed over as an object; one with files is written to a scratch folder that `use` may keep
 * reading from until it returns (builders read referenced files during the build).
 */
export async function withDefinitionSource<T>(
  definition: EnvironmentDefinition,
  use: (source: SpecSource) => Promise<T>,
  label = "<registry>",
): Promise<T> {
  if (Object.keys(definition.files).length === 0) {
    if (definition.text !== undefined) return use({ text: definition.text, file: label, dir: os.tmpdir() });
    return use({ object: structuredClone(definition.document), file: label, dir: os.tmpdir() });
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), "envforge-def-"));
  try {
    return await use({ path: await writeDefinition(definition, dir) });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Hash of a stored definition, read through the engine. */
export async function hashDefinition(engine: Engine, definition: EnvironmentDefinition): Promise<HashResult> {
  return withDefinitionSource(definition, (source) => engine.hash(source));
}

/** The same definition under another name/version: identity fields live in the document. */
export function withIdentity(definition: EnvironmentDefinition, name: string, version: string): EnvironmentDefinition {
  const document = { ...structuredClone(definition.document), name, version };
  const out: EnvironmentDefinition = { document, files: { ...definition.files } };
  const text = definition.text === undefined ? undefined : setTopLevel(definition.text, { name, version });
  if (text !== undefined) out.text = text;
  return out;
}

/**
 * Sets top-level keys in YAML (or JSON) text, keeping comments and the layout of untouched nodes;
 * `undefined` when the text is not a mapping.
 */
export function setTopLevel(text: string, values: Record<string, unknown>): string | undefined {
  const doc = parseDocument(text);
  if (doc.errors.length > 0 || !isMap(doc.contents)) return undefined;
  const map = doc.contents as YAMLMap<unknown, unknown>;
  // New keys go first, in the order given: identity reads best at the top of a file.
  const fresh = Object.entries(values).filter(([key]) => !map.has(key));
  const pairs = fresh.map(([key, value]) => doc.createPair(key, value));
  // A comment heading the file is attached to the first key: keep it above the new first key.
  const firstKey = map.items[0]?.key as { commentBefore?: string | null } | undefined;
  const newKey = pairs[0]?.key as { commentBefore?: string | null } | undefined;
  if (firstKey?.commentBefore && newKey) {
    newKey.commentBefore = firstKey.commentBefore;
    firstKey.commentBefore = undefined;
  }
  map.items.unshift(...pairs);
  for (const [key, value] of Object.entries(values)) if (map.has(key)) map.set(key, value);
  return doc.toString({ lineWidth: 0 });
}
