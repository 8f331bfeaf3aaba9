import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { didYouMean, createError, isEnvforgeError, kindOf, type EnvforgeError, type SpecSource } from "@envforge/core/plugin-kit";
import { CURATED_SCHEME, curatedEnvironment, isCuratedRef, listCurated } from "./curated.js";
import { parseRef } from "./registry/refs.js";
import type { EnvironmentRecord, EnvironmentRegistry } from "./registry/types.js";

/**
 * The names a folder's definition may have, in the order they are looked for. `environment.yml`
 * is not among them: that name is conda's, and such a file is imported (`envforge import conda`).
 */
export const DEFINITION_NAMES = ["env.yaml", "env.yml", "envforge.yaml", "envforge.yml", "env.json", "envforge.json"] as const;

/** Where a reference pointed: a curated environment, a file (given, or found in a folder), or a registered version. */
export type Resolved =
  | { kind: "curated"; name: string; source: SpecSource }
  | { kind: "file"; path: string; source: SpecSource }
  | { kind: "registry"; record: EnvironmentRecord };

export interface ResolveReferenceOptions {
  /** What relative paths are relative to (the CLI's working directory). Default: `process.cwd()`. */
  cwd?: string | undefined;
  registry: EnvironmentRegistry;
}

const REFERENCE_FORMS = "a reference is a definition file, a folder holding env.yaml, a registered NAME[@VERSION|:LABEL] or curated:NAME";

/**
 * The one way a reference is resolved, for every command that takes a definition:
 * `curated:NAME` → a curated environment; an existing file → it; an existing folder → the first
 * of `DEFINITION_NAMES` in it; otherwise a registered `NAME[@VERSION|:LABEL]`. What matches
 * nothing is an error that lists what was tried and the closest thing that exists.
 */
export async function resolveReference(ref: string, options: ResolveReferenceOptions): Promise<Resolved> {
  if (isCuratedRef(ref)) return curated(ref);
  const abs = path.resolve(options.cwd ?? process.cwd(), ref);
  const info = await stat(abs).catch(() => undefined);
  if (info?.isDirectory()) return { kind: "file", ...(await inFolder(abs)) };
  if (info?.isFile()) return { kind: "file", path: abs, source: { path: abs } };
  if (info) {
    throw createError("E_FILE_NOT_FOUND", `${abs} is ${kindOf(info)}, not a file`, { hint: "give a definition file: a FIFO, a socket or a device is never read" });
  }
  const parsed = registryRef(ref);
  const names = parsed ? await registeredNames(options.registry) : [];
  // A registered name decides: a missing version or label is the registry's own, precise error.
  if (parsed && names.includes(parsed.name)) return { kind: "registry", record: await options.registry.get(ref) };
  throw await nothingFound(ref, abs, parsed?.name, names);
}

function curated(ref: string): Resolved {
  try {
    const found = curatedEnvironment(ref);
    return { kind: "curated", name: found.name, source: { path: found.path } };
  } catch (error) {
    if (!isEnvforgeError(error)) throw error;
    const name = ref.slice(CURATED_SCHEME.length);
    const all = listCurated().map((c) => c.name);
    const near = didYouMean(name, all);
    throw createError("E_NOT_FOUND", `no curated environment named "${name}"`, {
      hint: `${near ? `did you mean ${CURATED_SCHEME}${near}? ` : ""}curated environments: ${all.map((c) => `${CURATED_SCHEME}${c}`).join(", ") || "none"}`,
      details: { tried: [`curated environment "${name}"`] },
    });
  }
}

async function inFolder(dir: string): Promise<{ path: string; source: SpecSource }> {
  for (const name of DEFINITION_NAMES) {
    const file = path.join(dir, name);
    if (await stat(file).then((s) => s.isFile(), () => false)) return { path: file, source: { path: file } };
  }
  const entries = await readdir(dir).catch(() => [] as string[]);
  const condaFile = entries.find((e) => /^environment\.ya?ml$/.test(e));
  const definitions = entries.filter((e) => /\.(ya?ml|json)$/i.test(e));
  const hint = condaFile
    ? `${condaFile} is a conda environment file: make a definition of it with envforge import conda ${path.join(dir, condaFile)} --output ${path.join(dir, "env.yaml")}`
    : definitions.length > 0
      ? `give the file itself: ${definitions.slice(0, 5).map((d) => path.join(dir, d)).join(", ")}`
      : REFERENCE_FORMS;
  throw createError("E_FILE_NOT_FOUND", `the folder ${dir} holds no definition (looked for ${DEFINITION_NAMES.join(", ")})`, {
    hint,
    details: { tried: DEFINITION_NAMES.map((n) => path.join(dir, n)) },
  });
}

/** The registry form of a reference, or `undefined` when it cannot be one (a path, a bad name). */
function registryRef(ref: string): { name: string } | undefined {
  if (/[/\\]/.test(ref)) return undefined;
  try {
    return parseRef(ref);
  } catch {
    return undefined;
  }
}

async function registeredNames(registry: EnvironmentRegistry): Promise<string[]> {
  return (await registry.list({ includeArchived: true })).map((e) => e.name);
}

/** Files and folders beside where `abs` would be, as the user would type them. */
async function nearbyPaths(ref: string, abs: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const dir = path.dirname(abs);
  const typedDir = /[/\\]/.test(ref) ? ref.slice(0, Math.max(ref.lastIndexOf("/"), ref.lastIndexOf("\\")) + 1) : "";
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (entry.isFile() && /\.(ya?ml|json)$/i.test(entry.name)) out.set(entry.name, `${typedDir}${entry.name}`);
    else if (entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "node_modules") out.set(entry.name, `${typedDir}${entry.name}`);
  }
  return out;
}

async function nothingFound(ref: string, abs: string, name: string | undefined, registered: string[]): Promise<EnvforgeError> {
  const pathLike = name === undefined || /\.(ya?ml|json)$/i.test(ref);
  const tried = [
    `a file or folder ${abs}: not there`,
    name === undefined ? `a registered environment: "${ref}" is not NAME[@VERSION|:LABEL]` : `a registered environment "${name}": not registered`,
    `a curated environment: only named with the curated: prefix`,
  ];
  // Candidates keyed by what is compared with the reference, valued by what the user would type.
  const suffix = name === undefined ? "" : ref.slice(name.length);
  const candidates = new Map<string, string>();
  for (const c of listCurated()) candidates.set(c.name, `${CURATED_SCHEME}${c.name}`);
  for (const n of registered) candidates.set(n, `${n}${suffix}`);
  const nearby = await nearbyPaths(ref, abs);
  for (const [key, typed] of nearby) candidates.set(key, typed);
  const key = name ?? path.basename(ref);
  const near = didYouMean(key, [...candidates.keys()]) ?? didYouMean(path.basename(ref), [...nearby.keys()]);
  const suggestion = near === undefined ? undefined : (candidates.get(near) ?? nearby.get(near));
  return createError(pathLike ? "E_FILE_NOT_FOUND" : "E_NOT_FOUND", `nothing found for "${ref}": tried ${tried.join("; ")}`, {
    hint: `${suggestion ? `did you mean ${suggestion}? ` : ""}${REFERENCE_FORMS}`,
    details: { tried },
  });
}
