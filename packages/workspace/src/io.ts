import { readdir } from "node:fs/promises";
import path from "node:path";
import { createError, type Engine, type ImportResult } from "@envforge/core/plugin-kit";
import { captureDefinition, DEFINITION_FILE, writeDefinition, type CapturedDefinition, type EnvironmentDefinition } from "./definition.js";

export interface SaveOptions {
  /** Write into a folder that already holds a definition (its files are replaced). */
  overwrite?: boolean | undefined;
}

/**
 * Writes a definition and every file it references into `dir`, so that building or hashing
 * `dir/env.yaml` (here or on another machine) gives the same hash. Returns the files written.
 */
export async function saveDefinition(definition: EnvironmentDefinition, dir: string, options: SaveOptions = {}): Promise<{ file: string; files: string[] }> {
  const root = path.resolve(dir);
  const existing = await readdir(root).catch(() => [] as string[]);
  if (existing.includes(DEFINITION_FILE) && !options.overwrite) {
    throw createError("E_CONFLICT", `${path.join(root, DEFINITION_FILE)} already exists`, {
      hint: "save into an empty folder, or overwrite it (envforge save --force)",
    });
  }
  const file = await writeDefinition(definition, root);
  return { file, files: [file, ...Object.keys(definition.files).sort().map((f) => path.join(root, ...f.split("/")))] };
}

export interface ImportOptions {
  /** Environment name to write into the definition (not hashed). */
  name?: string | undefined;
}

/**
 * Imports a file of a format a plugin reads (`requirements`, `conda`): the format's `import` tap
 * says which fields of the definition hold it.
 */
export async function importFile(engine: Engine, format: string, file: string, options: ImportOptions & { inline?: boolean | undefined } = {}): Promise<CapturedDefinition> {
  const absolute = path.resolve(file);
  const imported = await importFields(engine, format, absolute, options.inline ?? false);
  return capture(engine, { ...identity(options), ...imported.fields }, path.dirname(absolute), absolute);
}

/** What the format's `import` tap makes of a file; `E_NO_PLUGIN` when no loaded plugin reads the format. */
export async function importFields(engine: Engine, format: string, file: string, inline: boolean): Promise<ImportResult> {
  const hook = engine.hooks.import.get(format);
  const result = hook?.isUsed() ? await hook.promise({ file: path.resolve(file), inline }) : undefined;
  if (result === undefined) {
    throw createError("E_NO_PLUGIN", `no loaded plugin imports "${format}" files`, {
      hint: "load the plugin that reads them (pip reads requirements files, conda its environment files)",
    });
  }
  return result;
}

/**
 * Imports a pip requirements file. By default the definition refers to the file
 * (`pipRequirements:`), carried along with every `-r`/`-c` file it includes, comments and all;
 * `inline: true` writes the canonical requirements into `pip:` instead (not possible with
 * constraints files, which pip only reads from files). Both hash alike.
 */
export async function importRequirements(engine: Engine, file: string, options: ImportOptions & { inline?: boolean | undefined } = {}): Promise<CapturedDefinition> {
  return importFile(engine, "requirements", file, options);
}

/** Imports a conda environment file (its `pip:` sub-list included), by reference. */
export async function importCondaFile(engine: Engine, file: string, options: ImportOptions = {}): Promise<CapturedDefinition> {
  return importFile(engine, "conda", file, { name: options.name });
}

/** Imports a Dockerfile as the environment's base (its content is hashed, not its path). */
export async function importDockerfile(engine: Engine, file: string, options: ImportOptions = {}): Promise<CapturedDefinition> {
  const absolute = path.resolve(file);
  return capture(engine, { ...identity(options), docker: { baseDockerfile: path.basename(absolute) } }, path.dirname(absolute), absolute);
}

/** Imports an existing image as the environment's base. A reference with a digest pins it. */
export async function importImage(engine: Engine, reference: string, options: ImportOptions = {}): Promise<CapturedDefinition> {
  return capture(engine, { ...identity(options), docker: { baseImage: reference } }, process.cwd(), reference);
}

function identity(options: ImportOptions): Record<string, unknown> {
  return options.name === undefined ? {} : { name: options.name };
}

/** Reads the new definition through the engine: the plugins validate it and collect its files. */
async function capture(engine: Engine, document: Record<string, unknown>, dir: string, from: string): Promise<CapturedDefinition> {
  return captureDefinition(engine, { object: document, dir, file: `<import of ${from}>` });
}
