import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createError, parseSourceDocument, type EnginePlugin, type SpecSource } from "@envforge/core/plugin-kit";
import { DEFINITION_FILE } from "./definition.js";
import { RESERVED_PREFIX } from "./registry/refs.js";

/** `curated:<name>` names an environment shipped with envforge. */
export const CURATED_SCHEME = "curated:";

let curatedDirPath: string | undefined;

/**
 * The curated environments ship as folders beside `src/` and `dist/` (`curated/<name>/env.yaml`
 * plus the files it references), so they are ordinary definitions: readable, diffable, savable.
 * Found on first use: inside the CLI's bundle, finding this package's folder is a module resolution.
 */
export function curatedDir(): string {
  return (curatedDirPath ??= path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "curated"));
}

export interface CuratedEnvironment {
  /** What follows `curated:`, e.g. `python-3.11`. */
  name: string;
  /** Its registry name, `envforge-<name>` (names beginning with envforge are reserved for these). */
  registryName: string;
  /** The definition file. */
  path: string;
}

export function isCuratedRef(ref: string): boolean {
  return ref.startsWith(CURATED_SCHEME);
}

export function listCurated(): CuratedEnvironment[] {
  const dir = curatedDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, DEFINITION_FILE)))
    .map((d) => ({ name: d.name, registryName: `${RESERVED_PREFIX}-${d.name}`, path: path.join(dir, d.name, DEFINITION_FILE) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The curated environment a `curated:<name>` (or bare `<name>`) reference names. */
export function curatedEnvironment(ref: string): CuratedEnvironment {
  const name = isCuratedRef(ref) ? ref.slice(CURATED_SCHEME.length) : ref;
  const all = listCurated();
  const found = all.find((c) => c.name === name || c.registryName === name);
  if (!found) {
    throw createError("E_NOT_FOUND", `no curated environment named "${name}"`, {
      hint: `curated environments: ${all.map((c) => `${CURATED_SCHEME}${c.name}`).join(", ")}`,
    });
  }
  return found;
}

/** A source the engine reads: `engine.build(curatedSource("curated:python-3.11"), …)`. */
export function curatedSource(ref: string): SpecSource {
  return { path: curatedEnvironment(ref).path };
}

/**
 * Lets the engine read `curated:<name>` wherever it takes a definition
 * (`engine.build("curated:python-3.11", …)`). Taps `load` before core's file loader.
 */
export function curatedPlugin(): EnginePlugin {
  return {
    name: "curated",
    apply(engine) {
      engine.hooks.load.tapPromise({ name: "curated", stage: 50 }, async (source) => {
        if (typeof source !== "string" || !isCuratedRef(source)) return undefined;
        const file = curatedEnvironment(source).path;
        const doc = parseSourceDocument(await readFile(file, "utf8"), file);
        return { file, dir: path.dirname(file), data: doc.data as Record<string, unknown>, locator: doc.locator, files: [] };
      });
    },
  };
}
