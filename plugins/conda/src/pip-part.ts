import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { BuildContext } from "@envforge/core";
import { pipCanonicalParts, pipInstallFiles, readBuilderOptions, type PipParsed } from "@envforge/plugin-pip";

/**
 * The pip part of a conda build: the pip section's canonical requirements (inline `pip:`,
 * `pipRequirements` and the conda file's `pip:` sub-list are one set there), installed with the
 * prefix's own `python -m pip`. Where packages come from follows the venv target exactly: the
 * `pip` builder options and the index options found in requirements files, index URLs passed
 * through the environment (so credentials in them never reach a command line or a log), the
 * host's pip configuration ignored unless `pip.inheritPipConfig` is set.
 */
export interface PipPart {
  /** Requirement lines, for the plan and the artifact details. */
  requirements: string[];
  /** Arguments after `python`. */
  args: string[];
  /** The whole environment pip runs in (not added to the host's: PIP_* variables are left out). */
  env: Record<string, string>;
}

export function hasPipPart(ctx: Pick<BuildContext, "canonical">): boolean {
  return pipCanonicalParts(ctx.canonical.sections.pip).requirements.length > 0;
}

/** Writes requirements.txt (and constraints.txt) into the work folder; `undefined` when there is nothing to install. */
export async function preparePipPart(ctx: BuildContext, extraArgs: readonly string[] = [], extraEnv: Record<string, string> = {}): Promise<PipPart | undefined> {
  const canonical = ctx.canonical.sections.pip;
  const parts = pipCanonicalParts(canonical);
  if (parts.requirements.length === 0) return undefined;
  const files = pipInstallFiles(canonical);
  const requirementsFile = path.join(ctx.workDir, "requirements.txt");
  await writeFile(requirementsFile, files.requirements);
  if (files.constraints !== undefined) await writeFile(path.join(ctx.workDir, "constraints.txt"), files.constraints);

  const options = readBuilderOptions(ctx.options.pip);
  const fromFiles = (ctx.spec.sections.pip as Partial<PipParsed> | undefined)?.buildOptions;
  const unique = (xs: string[]) => [...new Set(xs)];
  const indexUrl = options.indexUrl ?? fromFiles?.indexUrl;
  const extraIndexUrls = unique([...(options.extraIndexUrls ?? []), ...(fromFiles?.extraIndexUrls ?? [])]);
  const findLinks = unique([...(options.findLinks ?? []), ...(fromFiles?.findLinks ?? [])]);
  const trustedHosts = unique([...(options.trustedHosts ?? []), ...(fromFiles?.trustedHosts ?? [])]);
  const noIndex = options.noIndex ?? fromFiles?.noIndex ?? false;

  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && (options.inheritPipConfig || !key.startsWith("PIP_"))) env[key] = value;
  }
  if (!options.inheritPipConfig) env.PIP_CONFIG_FILE = "/dev/null";
  env.PIP_NO_INPUT = "1";
  env.PIP_DISABLE_PIP_VERSION_CHECK = "1";
  if (indexUrl) env.PIP_INDEX_URL = indexUrl;
  if (extraIndexUrls.length > 0) env.PIP_EXTRA_INDEX_URL = extraIndexUrls.join(" ");
  Object.assign(env, extraEnv, options.env);

  const args = ["-m", "pip", "install", "--no-input", "--disable-pip-version-check", "--requirement", requirementsFile];
  if (noIndex) args.push("--no-index");
  for (const link of findLinks) args.push("--find-links", link);
  for (const host of trustedHosts) args.push("--trusted-host", host);
  args.push(...extraArgs);
  return { requirements: parts.requirements, args, env };
}
