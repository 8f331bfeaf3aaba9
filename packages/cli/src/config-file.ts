/**
 * Where the CLI's config file is (config-plugins.ts loads it). Lean on purpose: the quick path
 * asks too (a command with configured plugins is the full CLI's), before anything else is loaded.
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";

export const CONFIG_NAMES = ["envforge.config.mjs", "envforge.config.js", "envforge.config.json"] as const;

/**
 * The config file that applies in `cwd`: the first of CONFIG_NAMES there or in a folder above, up
 * to the folder holding `.git` or the filesystem root; `ENVFORGE_CONFIG` names one (`0`: none).
 */
export function findConfigFile(cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  const named = env.ENVFORGE_CONFIG;
  if (named === "0") return undefined;
  if (named) return path.resolve(cwd, named);
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    for (const name of CONFIG_NAMES) {
      const file = path.join(dir, name);
      if (isFile(file)) return file;
    }
    if (existsSync(path.join(dir, ".git")) || path.dirname(dir) === dir) return undefined;
  }
}

export function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
