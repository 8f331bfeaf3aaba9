import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { BuildContext, LockedDistribution } from "@envforge/core/plugin-kit";
import { lockedInstallArgs, pipCanonicalParts, pipIndexSetup, pipInstallFiles, readBuilderOptions, writeLockedRequirements } from "@envforge/python";
import { pipLockOf } from "./explicit.js";

/**
 * The pip part of a conda build: the pip section's canonical requirements (inline `pip:`,
 * `pipRequirements` and the conda file's `pip:` sub-list are one set there), installed with the
 * prefix's own `python -m pip`. Where packages come from follows the venv target exactly: the
 * `pip` builder options and the index options found in requirements files, index URLs passed
 * through the environment (so credentials in them never reach a command line or a log), the
 * host's pip configuration ignored unless `pip.inheritPipConfig` is set. With a lock that has pip
 * entries, the locked files are installed instead (`--no-deps --require-hashes`, as the venv target
 * does), once the builder has checked that they still satisfy the requirements.
 */
export interface PipPart {
  /** Requirement lines, for the plan and the artifact details. */
  requirements: string[];
  /** Arguments after `python`. */
  args: string[];
  /** The whole environment pip runs in (not added to the host's: PIP_* variables are left out). */
  env: Record<string, string>;
  /** The lock's distributions when the install is the lock's (`--no-deps --require-hashes`). */
  locked?: LockedDistribution[] | undefined;
}

export function hasPipPart(ctx: Pick<BuildContext, "canonical">): boolean {
  return pipCanonicalParts(ctx.canonical.sections.pip).requirements.length > 0;
}

/** Writes requirements.txt (and constraints.txt) into the work folder; `undefined` when there is nothing to install. */
export async function preparePipPart(ctx: BuildContext, extraArgs: readonly string[] = [], extraEnv: Record<string, string> = {}): Promise<PipPart | undefined> {
  const canonical = ctx.canonical.sections.pip;
  const parts = pipCanonicalParts(canonical);
  if (parts.requirements.length === 0) return undefined;
  const options = readBuilderOptions(ctx.options.pip);
  // Where pip looks and what it sees are the venv target's (`@envforge/python` index-setup.ts): index
  // options from the definition expand only variables the host passes, and pip runs with the
  // tool allowlist, passed variables and the builder options' env, never the host's whole one.
  const setup = await pipIndexSetup(ctx, options);
  const env = { ...setup.env, ...extraEnv, ...options.env };
  const locked = pipLockOf(ctx.canonical);
  if (locked) {
    // A lock is installed exactly: its files by name, version and sha256, never a fresh resolution.
    const file = await writeLockedRequirements(ctx.workDir, locked);
    return { requirements: parts.requirements, args: [...lockedInstallArgs(file), ...setup.args, ...extraArgs], env, locked };
  }
  const files = pipInstallFiles(canonical);
  const requirementsFile = path.join(ctx.workDir, "requirements.txt");
  await writeFile(requirementsFile, files.requirements);
  if (files.constraints !== undefined) await writeFile(path.join(ctx.workDir, "constraints.txt"), files.constraints);
  const args = ["-m", "pip", "install", "--no-input", "--disable-pip-version-check", "--requirement", requirementsFile, ...setup.args, ...extraArgs];
  return { requirements: parts.requirements, args, env };
}
