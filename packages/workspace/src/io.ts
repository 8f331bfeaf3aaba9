import { readdir } from "node:fs/promises";
import path from "node:path";
import { createError, type Engine } from "@envforge/core/plugin-kit";
import { importRequirementsFile } from "@envforge/plugin-pip";
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
 * Imports a pip requirements file. By default the definition refers to the file
 * (`pipRequirements:`), carried along with every `-r`/`-c` file it includes, comments and all;
 * `inline: true` writes the canonical requirements into `pip:` instead (not possible with
 * constraints files, which pip only reads from files). Both hash alike.
 */
export async function importRequirements(engine: Engine, file: string, options: ImportOptions & { inline?: boolean | undefined } = {}): Promise<CapturedDefinition> {
  const absolute = path.resolve(file);
  if (options.inline) {
    const imported = await importRequirementsFile(absolute);
    if (imported.constraints.length === 0) {
      return capture(engine, { ...identity(options), python: { pip: imported.pip } }, path.dirname(absolute), absolute);
    }
    // Constraints only exist as files: fall through to the referencing form.
  }
  return capture(engine, { ...identity(options), python: { pipRequirements: path.basename(absolute) } }, path.dirname(absolute), absolute);
}

/** Imports a conda environment file (its `pip:` sub-list included). */
export async function importCondaFile(engine: Engine, file: string, options: ImportOptions = {}): Promise<CapturedDefinition> {
  const absolute = path.resolve(file);
  return capture(engine, { ...identity(options), python: { condaFile: path.basename(absolute) } }, path.dirname(absolute), absolute);
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
