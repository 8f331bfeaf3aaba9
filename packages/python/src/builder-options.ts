import { createError } from "@envforge/core/plugin-kit";
import type { RequirementsBuildOptions } from "./index-options.js";

/**
 * Builder options of the venv target (`builderOptions.pip`): where packages come from and how pip
 * runs. Never hashed.
 */
export interface PipBuilderOptions {
  /** Interpreter that creates the venv (default: the plugin's `python` option, else `python3`). */
  python?: string | undefined;
  indexUrl?: string | undefined;
  extraIndexUrls?: string[] | undefined;
  findLinks?: string[] | undefined;
  trustedHosts?: string[] | undefined;
  noIndex?: boolean | undefined;
  /**
   * Extra environment for pip (certificates, tokens). The host's own: its names are ones a
   * definition's index options may name as `${NAME}` (with `policy.passEnv`, index-setup.ts).
   */
  env?: Record<string, string> | undefined;
  /**
   * Let pip read the host's pip configuration (`pip.conf`, `PIP_*` variables). Off by default: a
   * build should depend on the definition and these options, not on who runs it.
   */
  inheritPipConfig?: boolean | undefined;
}

function fail(key: string, expected: string): never {
  throw createError("E_INVALID_VALUE", `builder option pip.${key} must be ${expected}`, {
    field: `builderOptions.pip.${key}`,
    hint: "builder options: python, indexUrl, extraIndexUrls, findLinks, trustedHosts, noIndex, env, inheritPipConfig",
  });
}

const KNOWN = new Set(["python", "indexUrl", "extraIndexUrls", "findLinks", "trustedHosts", "noIndex", "env", "inheritPipConfig"]);

/** Reads `builderOptions.pip`; a single string where a list is expected is a list of one (CLI `-o`). */
export function readBuilderOptions(raw: Record<string, unknown> | undefined): PipBuilderOptions {
  const o = raw ?? {};
  for (const key of Object.keys(o)) if (!KNOWN.has(key)) fail(key, "one of the known options (it is not one)");
  const str = (key: string): string | undefined => {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v === "") fail(key, "a non-empty string");
    return v;
  };
  const list = (key: string): string[] | undefined => {
    const v = o[key];
    if (v === undefined) return undefined;
    const items = Array.isArray(v) ? v : [v];
    if (!items.every((x) => typeof x === "string" && x !== "")) fail(key, "a string or a list of strings");
    return items as string[];
  };
  const bool = (key: string): boolean | undefined => {
    const v = o[key];
    if (v === undefined) return undefined;
    if (v === true || v === "true") return true;
    if (v === false || v === "false") return false;
    return fail(key, "true or false");
  };
  const env = o.env;
  if (env !== undefined && (typeof env !== "object" || env === null || Array.isArray(env) || !Object.values(env).every((v) => typeof v === "string"))) {
    fail("env", "a mapping of strings");
  }
  return {
    python: str("python"),
    indexUrl: str("indexUrl"),
    extraIndexUrls: list("extraIndexUrls"),
    findLinks: list("findLinks"),
    trustedHosts: list("trustedHosts"),
    noIndex: bool("noIndex"),
    env: env as Record<string, string> | undefined,
    inheritPipConfig: bool("inheritPipConfig"),
  };
}

/** Builder options win over a requirements file's `--index-url`; lists from both are joined. */
export function mergeIndexOptions(fromFiles: RequirementsBuildOptions | undefined, options: PipBuilderOptions): RequirementsBuildOptions {
  const f = fromFiles ?? { extraIndexUrls: [], findLinks: [], trustedHosts: [], noIndex: false };
  const unique = (xs: string[]) => [...new Set(xs)];
  return {
    indexUrl: options.indexUrl ?? f.indexUrl,
    extraIndexUrls: unique([...(options.extraIndexUrls ?? []), ...f.extraIndexUrls]),
    findLinks: unique([...(options.findLinks ?? []), ...f.findLinks]),
    trustedHosts: unique([...(options.trustedHosts ?? []), ...f.trustedHosts]),
    noIndex: options.noIndex ?? f.noIndex,
  };
}

/**
 * Expands `${VAR}` in the host's own builder options over the host's environment (index URLs
 * reach pip through the environment, where pip does not expand them). A definition's values
 * expand only allowed names (env-refs.ts).
 */
export function expandVars(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => env[name] ?? whole);
}
