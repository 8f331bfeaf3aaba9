import { createError, hostPath, toolEnvironment, toolEnvSecrets, type BuildContext } from "@envforge/core/plugin-kit";
import { expandVars, type PipBuilderOptions } from "./builder-options.js";
import type { BuildOptionLine } from "./index-options.js";
import { confineFindLinks, localFindLinks } from "./find-links.js";
import { checkEnvReferences, expandAllowed } from "./env-refs.js";
import { lineRedactor, secretsOf } from "./redact.js";

/** How pip is run for a build: its whole environment, the index arguments, and the redactor. */
export interface PipIndexSetup {
  /** pip's environment, index URLs included (they travel there, never on a command line). */
  env: Record<string, string>;
  /** The same without index variables: for the interpreter probe and `pip freeze`. */
  baseEnv: Record<string, string>;
  /** `--no-index`, `--find-links`, `--trusted-host` arguments for `pip install`. */
  args: string[];
  /** Masks URL passwords, credentials among `pip.env`, and the values of passed variables. */
  redact: (line: string) => string;
}

/**
 * Where pip looks and what it sees, for the venv and conda targets alike.
 *
 * Index options from the definition (requirements files, inline items) expand `${NAME}` only for
 * names the host passes (`policy.passEnv`) or sets in `pip.env`; any other name is
 * `E_ENV_NOT_ALLOWED` at the line that wrote it, before anything runs. A find-links folder they
 * name is checked again after expansion, symlinks in it included. Builder options are the host's
 * own: they expand over the host's environment, as they always did, and a relative find-links
 * folder among them is read against the engine's `baseDir` (the host's working directory).
 *
 * pip runs with the tool allowlist (core's tool-env.ts), passed variables, and `pip.env`: a
 * `${NAME}` pip itself expands in a requirements file can only reach those.
 */
export async function pipIndexSetup(ctx: BuildContext, options: PipBuilderOptions): Promise<PipIndexSetup> {
  // The pip section as the pip plugin parsed it (its type is the plugin's): only its index option
  // lines are read here, which the venv and conda targets alike must honour.
  const parsed = ctx.spec.sections.pip as { buildOptionLines?: readonly BuildOptionLine[] } | undefined;
  const hostEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) hostEnv[k] = v;
  Object.assign(hostEnv, options.env);
  const passed: Record<string, string> = {};
  for (const name of ctx.policy.passEnv) if (process.env[name] !== undefined) passed[name] = process.env[name]!;
  Object.assign(passed, options.env);
  const allowed = new Set([...ctx.policy.passEnv, ...Object.keys(options.env ?? {})]);

  const def = { indexUrl: undefined as string | undefined, extraIndexUrls: [] as string[], findLinks: [] as string[], trustedHosts: [] as string[], noIndex: false };
  for (const line of parsed?.buildOptionLines ?? []) {
    const site = { location: line.location, field: line.field };
    const value = line.value ?? "";
    checkEnvReferences(value, allowed, site);
    const expanded = expandAllowed(value, passed);
    if (line.name === "index-url") def.indexUrl = expanded;
    else if (line.name === "extra-index-url") def.extraIndexUrls.push(expanded);
    else if (line.name === "trusted-host") def.trustedHosts.push(expanded);
    else if (line.name === "no-index") def.noIndex = true;
    else {
      const folder = localFindLinks(expanded, line.baseDir, site);
      if (folder !== undefined && !ctx.policy.allowOutsideFiles) {
        await confineFindLinks(folder, value, ctx.spec.loaded.dir, site, { entries: true });
      }
      def.findLinks.push(folder ?? expanded);
    }
  }

  const host = (xs: readonly string[] | undefined) => (xs ?? []).map((x) => expandVars(x, hostEnv));
  const unique = (xs: string[]) => [...new Set(xs)];
  const indexUrl = options.indexUrl !== undefined ? expandVars(options.indexUrl, hostEnv) : def.indexUrl;
  const extraIndexUrls = unique([...host(options.extraIndexUrls), ...def.extraIndexUrls]);
  // The host's relative folders are its own (engine baseDir), not the scratch folder pip runs in.
  const findLinks = unique([...host(options.findLinks).map((x) => hostPath(ctx.baseDir, x)), ...def.findLinks]);
  const trustedHosts = unique([...host(options.trustedHosts), ...def.trustedHosts]);
  const noIndex = options.noIndex ?? def.noIndex;

  const baseEnv = toolEnvironment(ctx.policy);
  if (options.inheritPipConfig) {
    for (const [k, v] of Object.entries(process.env)) if (k.startsWith("PIP_") && v !== undefined) baseEnv[k] = v;
  } else {
    baseEnv.PIP_CONFIG_FILE = "/dev/null";
  }
  baseEnv.PIP_NO_INPUT = "1";
  baseEnv.PIP_DISABLE_PIP_VERSION_CHECK = "1";
  // Nothing from an active venv or a PYTHONPATH, even passed: pip would count packages it finds
  // there as installed and leave them out of the environment.
  delete baseEnv.VIRTUAL_ENV;
  delete baseEnv.PYTHONHOME;
  delete baseEnv.PYTHONPATH;
  Object.assign(baseEnv, options.env);

  const env = { ...baseEnv };
  if (indexUrl) env.PIP_INDEX_URL = indexUrl;
  if (extraIndexUrls.length > 0) env.PIP_EXTRA_INDEX_URL = extraIndexUrls.join(" ");
  const args: string[] = [];
  if (noIndex) args.push("--no-index");
  for (const link of findLinks) args.push("--find-links", link);
  for (const h of trustedHosts) args.push("--trusted-host", h);
  const secrets = [...secretsOf([indexUrl, ...extraIndexUrls, ...findLinks], options.env ?? {}), ...toolEnvSecrets(ctx.policy)];
  return { env, baseEnv, args, redact: lineRedactor(secrets) };
}

/**
 * The requirement files pip reads are the canonical form, where a `${…}` was refused while
 * parsing; pip would expand one from its environment, so a file holding one is not handed to it.
 */
export function assertNoVariables(text: string, file: string): void {
  const at = text.indexOf("${");
  if (at < 0) return;
  throw createError("E_ENV_NOT_ALLOWED", `${file} would make pip expand an environment variable: ${text.slice(at, text.indexOf("}", at) + 1 || undefined)}`, {
    hint: "a requirement or an install option cannot name an environment variable; write the value itself",
  });
}
