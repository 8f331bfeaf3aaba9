/**
 * Plugins from outside the CLI: an `envforge.config.{mjs,js,json}` found upward from the working
 * folder, and `--plugin NAME|PATH` (repeatable). Both load into every command's engine, after the
 * bundled plugins.
 *
 * The search starts in the working folder and goes up to the first folder holding `.git` (the
 * repository's root, which is searched too) or the filesystem root: a config above the repository
 * belongs to somebody else. In each folder `.mjs`, then `.js`, then `.json` is taken; the first
 * found wins. `ENVFORGE_CONFIG=FILE` names one instead, `ENVFORGE_CONFIG=0` turns the search off.
 *
 * A config's `plugins` list holds names (resolved as imports from the config's folder), paths
 * (`./x.mjs`, against the config's folder) or `[nameOrPath, options]`; an `.mjs`/`.js` config may
 * also hold plugin objects. A `--plugin` path is read against the working folder. A plugin module's
 * default export (or `plugin` / `plugins`) is a plugin, a list of them, or a function called with
 * the options that returns one of those.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createError, type EnginePlugin, type EnvforgeError } from "@envforge/core/plugin-kit";
import { findConfigFile, isFile } from "./config-file.js";
import type { CliIO } from "./io.js";

/** One entry of a config's `plugins`: what to load, with what options, read from which folder. */
type Entry = { ref: string; options: unknown; from: string } | { plugin: EnginePlugin };

/**
 * How a module from outside is imported. The binary gives its own `import()`: the bundle runs as a
 * script compiled from V8's code cache (bin/envforge.js), which has no `import()` of its own.
 */
export type ImportModule = (url: string) => Promise<unknown>;

/** Loads the config's plugins, then the `--plugin` ones; any failure is E_PLUGIN_LOAD naming the file. */
export async function loadConfiguredPlugins(io: CliIO, flagged: readonly string[], importModule: ImportModule = (url) => import(url)): Promise<EnginePlugin[]> {
  const entries: Entry[] = [];
  const config = findConfigFile(io.cwd, io.env);
  if (config !== undefined) entries.push(...(await readConfig(config, importModule)));
  for (const ref of flagged) entries.push({ ref, options: undefined, from: io.cwd });
  const plugins: EnginePlugin[] = [];
  for (const entry of entries) plugins.push(...("plugin" in entry ? [entry.plugin] : await loadPlugin(entry.ref, entry.options, entry.from, importModule)));
  return plugins;
}

function loadFailure(what: string, reason: string, cause?: unknown): EnvforgeError {
  return createError("E_PLUGIN_LOAD", `cannot load ${what}: ${reason}`, { cause });
}

async function readConfig(file: string, importModule: ImportModule): Promise<Entry[]> {
  const dir = path.dirname(file);
  let value: unknown;
  try {
    if (file.endsWith(".json")) value = JSON.parse(readFileSync(file, "utf8"));
    else {
      const module = (await importModule(pathToFileURL(file).href)) as { default?: unknown };
      value = module.default;
    }
  } catch (cause) {
    throw loadFailure(`the config ${file}`, cause instanceof Error ? cause.message : String(cause), cause);
  }
  const list = (value as { plugins?: unknown } | undefined)?.plugins;
  if (value === undefined || typeof value !== "object" || (list !== undefined && !Array.isArray(list))) {
    throw loadFailure(`the config ${file}`, 'it must hold an object with a "plugins" list, e.g. { "plugins": ["./my-plugin.mjs", ["some-package", { "option": 1 }]] }');
  }
  return ((list ?? []) as unknown[]).map((item, i): Entry => {
    if (typeof item === "string" && item !== "") return { ref: item, options: undefined, from: dir };
    if (Array.isArray(item) && typeof item[0] === "string" && item.length <= 2) return { ref: item[0], options: item[1], from: dir };
    if (isPlugin(item)) return { plugin: item };
    throw loadFailure(`the config ${file}`, `plugins[${i}] is not a name, a path, [name, options] or a plugin`);
  });
}

function isPlugin(value: unknown): value is EnginePlugin {
  return typeof value === "object" && value !== null && typeof (value as EnginePlugin).name === "string" && typeof (value as EnginePlugin).apply === "function";
}

/** A path (`./x.mjs`, `/abs/x.mjs`) against `from`; a name as an import from `from` would find it. */
function resolveModule(ref: string, from: string): string {
  if (ref.startsWith(".") || path.isAbsolute(ref)) {
    const file = path.resolve(from, ref);
    if (!isFile(file)) throw loadFailure(ref, `${file} does not exist`);
    return file;
  }
  try {
    return createRequire(path.join(from, "envforge.config.js")).resolve(ref);
  } catch (cause) {
    throw loadFailure(ref, `no package of that name is installed where ${from} can import it (${(cause as Error).message.split("\n")[0]})`, cause);
  }
}

async function loadPlugin(ref: string, options: unknown, from: string, importModule: ImportModule): Promise<EnginePlugin[]> {
  const file = resolveModule(ref, from);
  let module: Record<string, unknown>;
  try {
    module = (await importModule(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (cause) {
    throw loadFailure(`${ref} (${file})`, cause instanceof Error ? cause.message : String(cause), cause);
  }
  let value = module.default ?? module.plugin ?? module.plugins;
  try {
    if (typeof value === "function") value = await (value as (options: unknown) => unknown)(options);
  } catch (cause) {
    throw loadFailure(`${ref} (${file})`, `its factory threw: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
  }
  const plugins = Array.isArray(value) ? value : [value];
  if (plugins.length === 0 || !plugins.every(isPlugin)) {
    throw loadFailure(`${ref} (${file})`, "its default export (or `plugin` / `plugins`) is not a plugin ({ name, apply }), a list of them, or a function returning them");
  }
  return plugins;
}
