import { mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { createError, hostPath, hostProgram, toolEnvironment, type BuildContext, type BuildOutput, type EnvforgeError, type LockedCondaPackage, type LockedDistribution, type LockedPackage } from "@envforge/core/plugin-kit";
import { canonicalName, lockedInstallCulprit, lockedPackages, lockSatisfiesArgs, lockUnmetError, parseFreeze, pythonCanonical } from "@envforge/python";
import { z } from "@envforge/core/plugin-kit";
import { parseExplicit } from "./lock-output.js";
import { hasPipPart, preparePipPart } from "./pip-part.js";
import { prepareMatchSpecs } from "./matchspec.js";
import { installSpecs } from "./specs.js";
import { runTool, tail } from "./run.js";
import { condaLockOf, explicitCreateArgs, explicitFile, lockPlatformOf } from "./explicit.js";
import { hostSubdir } from "./lock.js";
import type { CondaCanonical } from "./section.js";
import { createArgs, explicitLockCommands, findCondaTool, PIP_FREEZE_ARGS, prefixPython, type CondaTool } from "./tool.js";

export { TARGET } from "./target.js";

/**
 * Host variables conda tools get besides core's allowlist: where the host keeps their package
 * cache and root prefix (an offline machine depends on them). Not secrets, and not the
 * configuration (`.condarc`, other CONDA_*), which the definition's channels override anyway.
 */
export const CONDA_TOOL_VARIABLES = ["MAMBA_ROOT_PREFIX", "CONDA_PKGS_DIRS"];

/**
 * How the conda target runs. None of these reach the hash: they choose where packages come from
 * (a mirror of the same channels, an offline package cache), not what is installed.
 */
export const condaBuilderOptionsSchema = z.strictObject({
  /** `micromamba`, `mamba`, `conda`, or a path to one of them. Default: the first on PATH. */
  tool: z.string().optional(),
  /** Channels to use instead of the definition's (a mirror or a local copy of them). */
  channelsOverride: z.array(z.string()).optional(),
  /**
   * Where each channel NAME of a lock is fetched from (name → URL or folder): a lock records
   * channel names only. Default: the channel itself when it is a URL or folder, else
   * https://conda.anaconda.org/<name>.
   */
  channelUrls: z.record(z.string(), z.string()).optional(),
  /** Install only from the package cache (`--offline`). */
  offline: z.boolean().optional(),
  /** More arguments for `create`, before the specs. */
  createArgs: z.array(z.string()).optional(),
  /** More arguments for `pip install`; where pip looks comes from the `pip` builder options, as for venv. */
  pipArgs: z.array(z.string()).optional(),
  /** Environment variables for every tool run, e.g. CONDA_PKGS_DIRS or MAMBA_ROOT_PREFIX. */
  env: z.record(z.string(), z.string()).optional(),
});
export type CondaBuilderOptions = z.infer<typeof condaBuilderOptionsSchema>;

/** A channel written as a relative folder (`./channel`, `../mirror`); `conda-forge/label/dev` is a name. */
const RELATIVE_CHANNEL = /^\.\.?[/\\]/;

/**
 * The plugin's defaults under a build's `conda` options. With `baseDir` (the engine's), the host's
 * relative paths are read against it, not the scratch folder the tool runs in: `tool` when it has
 * a slash, `channelsOverride` entries written `./…` or `../…`.
 */
export function resolveBuilderOptions(defaults: CondaBuilderOptions, given: unknown, baseDir?: string): CondaBuilderOptions {
  const parsed = condaBuilderOptionsSchema.safeParse(given ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw createError("E_INVALID_VALUE", `builder option conda.${issue.path.join(".") || ""}: ${issue.message}`, {
      hint: `conda builder options: ${Object.keys(condaBuilderOptionsSchema.shape).join(", ")}`,
    });
  }
  const options = { ...defaults, ...parsed.data };
  if (baseDir === undefined) return options;
  return {
    ...options,
    tool: options.tool === undefined ? undefined : hostProgram(baseDir, options.tool),
    channelsOverride: options.channelsOverride?.map((c) => (RELATIVE_CHANNEL.test(c) ? hostPath(baseDir, c) : c)),
    channelUrls: options.channelUrls && Object.fromEntries(Object.entries(options.channelUrls).map(([name, c]) => [name, RELATIVE_CHANNEL.test(c) ? hostPath(baseDir, c) : c])),
  };
}

/** The specs a build installs, from the canonical definition. */
export interface CondaPlan {
  channels: string[];
  specs: string[];
  variables: Record<string, string>;
  /** Specs the builder added (python for `python.version` or for pip, pip for the pip part). */
  added: string[];
}

export async function planBuild(canonical: BuildContext["canonical"], options: CondaBuilderOptions = {}): Promise<CondaPlan> {
  await prepareMatchSpecs();
  const conda: CondaCanonical = canonical.sections.conda ?? { channels: [], dependencies: [] };
  const { specs, added } = installSpecs(conda, pythonCanonical(canonical.sections.python).version, hasPipPart({ canonical }));
  return { channels: options.channelsOverride ?? [...conda.channels], specs, variables: conda.variables ?? {}, added };
}

export async function buildCondaPrefix(ctx: BuildContext, defaults: CondaBuilderOptions): Promise<BuildOutput> {
  const options = resolveBuilderOptions(defaults, ctx.options.conda, ctx.baseDir);
  // Never ignored silently: the prefix gets conda's own python (pinned by python.version).
  const asked = ctx.spec.sections.python as { userManaged?: boolean; interpreterPath?: string } | undefined;
  if (asked?.interpreterPath !== undefined && asked.userManaged !== true) {
    ctx.warn(
      "W_INTERPRETER_IGNORED",
      `python.interpreterPath ${asked.interpreterPath} is not used by the conda target: the prefix brings its own interpreter`,
      ctx.spec.loaded.locator.locate(["python", "interpreterPath"]),
      "drop interpreterPath, or build the Python part as a venv (--target venv) from that interpreter",
    );
  }
  const tool = await findCondaTool(options.tool);
  const plan = await planBuild(ctx.canonical, options);
  const prefix = ctx.artifactDir;
  for (const spec of plan.added) ctx.log(`adding ${spec}: needed by python.version or the pip requirements`, "info");
  // The tool sees the machine's allowlist, the variables the host passes and conda.env, never the
  // host's whole environment (a channel's ${NAME} could otherwise reach a server).
  const env = { ...toolEnvironment(ctx.policy, CONDA_TOOL_VARIABLES), ...options.env };

  const version = await runTool(tool.path, ["--version"], ctx, { env, replaceEnv: true, quietStdout: true });
  const toolVersion = version.stdout.trim().split("\n").pop() ?? "";
  ctx.log(`using ${tool.kind} ${toolVersion} at ${tool.path}`, "info");

  const locked = condaLockOf(ctx.canonical);
  if (locked) {
    await installLock(ctx, tool, locked, { env, prefix, options, channels: ctx.canonical.sections.conda?.channels ?? [] });
  } else {
    const create = await runTool(tool.path, createArgs(tool, { prefix, channels: plan.channels, specs: plan.specs, offline: options.offline, extraArgs: options.createArgs }), ctx, { env, replaceEnv: true });
    if (create.exitCode !== 0) {
      throw failed(`${tool.kind} create failed (exit ${create.exitCode})`, create.stderr || create.stdout, "check that every dependency exists in the channels for this platform; the solver's message is above");
    }
  }

  if (Object.keys(plan.variables).length > 0) await writeVariables(prefix, plan.variables);

  const python = prefixPython(prefix);
  const pip = await preparePipPart(ctx, options.pipArgs, options.env);
  if (pip) {
    if (!existsSync(python)) throw failed(`the prefix has no interpreter at ${python}`, "", "add python to the conda dependencies");
    if (pip.locked) await checkPipLock(ctx, python, pip.requirements, pip.locked, pip.env);
    if (pip.locked) ctx.log(`installing the lock's ${pip.locked.length} pip distributions, --no-deps --require-hashes`, "info");
    const install = await runTool(python, pip.args, ctx, { env: pip.env, replaceEnv: true });
    if (install.exitCode !== 0 && pip.locked) {
      const output = install.stderr || install.stdout;
      const { culprit, what, why } = lockedInstallCulprit(tail(output), pip.locked);
      throw createError("E_BUILD_FAILED", `installing the lock's pip part in the conda prefix failed at ${what}: ${why}`, {
        hint: "a locked file is never re-resolved silently: restore the file, or lock again (envforge lock REF) if the change is meant",
        details: { step: "pip install (locked)", package: culprit?.name, exitCode: install.exitCode, output: tail(output) },
      });
    }
    if (install.exitCode !== 0) {
      throw failed(
        `pip install in the conda prefix failed (exit ${install.exitCode})`,
        install.stderr || install.stdout,
        "pip's message is above; where pip looks is set by the builder options pip.indexUrl, pip.findLinks, pip.noIndex (as for the venv target)",
      );
    }
  }

  const lock = await lockPrefix(ctx, tool, prefix, python, env);
  return {
    artifact: {
      kind: "conda-prefix",
      path: prefix,
      details: {
        tool: tool.kind,
        toolPath: tool.path,
        toolVersion,
        channels: plan.channels,
        specs: plan.specs,
        pip: pip?.requirements ?? [],
        ...(locked ? { fromLock: locked.length } : {}),
        ...(pip?.locked ? { pipFromLock: pip.locked.length } : {}),
      },
    },
    lock,
    builder: `conda:${tool.kind}`,
    // What a hit checks (core's seal): an install or removal changes conda-meta/ and bin/; running
    // the prefix writes only below site-packages and the standard library (`__pycache__`).
    seal: { paths: ["bin", "bin/python", "conda-meta"] },
  };
}

async function lockPrefix(ctx: BuildContext, tool: CondaTool, prefix: string, python: string, env: Record<string, string>) {
  let explicit: string | undefined;
  for (const args of explicitLockCommands(tool, prefix)) {
    const result = await runTool(tool.path, args, ctx, { env, replaceEnv: true, quietStdout: true });
    if (result.exitCode === 0 && result.stdout.includes("@EXPLICIT")) {
      explicit = result.stdout;
      break;
    }
    ctx.log(`(${tool.kind} ${args.slice(0, 3).join(" ")} is not supported here; trying the next form)`, "info");
  }
  if (explicit === undefined) {
    throw failed(`${tool.kind} could not list the prefix's packages as an explicit spec`, "", "the lock needs `conda list --explicit` or `micromamba env export --explicit`");
  }
  const packages: LockedPackage[] = parseExplicit(explicit);
  const raw: Record<string, string> = { "conda-explicit": explicit };
  if (existsSync(python)) {
    const freeze = await runTool(python, PIP_FREEZE_ARGS, ctx, { env, replaceEnv: true, quietStdout: true });
    if (freeze.exitCode === 0) {
      raw["pip-freeze"] = freeze.stdout;
      const condaNames = new Set(packages.map((p) => canonicalName(p.name)));
      // pip also lists what conda installed; only what pip alone installed is pip's.
      packages.push(...lockedPackages(parseFreeze(freeze.stdout).filter((l) => !condaNames.has(l.name))));
    } else {
      ctx.log("pip freeze failed; the lock lists the conda packages only", "info");
    }
  }
  return { packages, raw };
}

interface LockInstall {
  env: Record<string, string>;
  prefix: string;
  options: CondaBuilderOptions;
  /** The definition's channels: `channelsOverride` maps onto them one for one. */
  channels: readonly string[];
}

/**
 * A definition with a lock builds exactly the lock: the explicit spec (explicit.ts) written into
 * the work folder and installed as listed. A missing or tampered file fails naming the package;
 * nothing is re-resolved.
 */
async function installLock(ctx: BuildContext, tool: CondaTool, locked: readonly LockedCondaPackage[], install: LockInstall): Promise<void> {
  // A prefix is this machine's: a lock solved for another platform would install foreign binaries.
  const platform = lockPlatformOf(ctx.canonical);
  const wrong = locked.find((p) => p.subdir !== "noarch" && p.subdir !== hostSubdir());
  if (wrong !== undefined) {
    throw createError("E_LOCK_MISMATCH", `the lock was made for ${platform ?? wrong.subdir} (${wrong.name} is a ${wrong.subdir} package), and this machine is ${hostSubdir()}`, {
      hint: "lock the definition for this machine (envforge lock without --platform), or build it as an image of the lock's platform",
    });
  }
  const named = install.channels.filter((c) => c !== "nodefaults");
  const override = install.options.channelsOverride;
  const urls: Record<string, string> = {};
  if (override !== undefined) {
    // A lock names channels; a list of other locations only says which is which when it pairs up.
    if (override.length === named.length) named.forEach((c, i) => (urls[c] = override[i]!));
    else ctx.log(`conda.channelsOverride (${override.length} channels) does not pair up with the definition's ${named.length}; use conda.channelUrls to relocate a lock's channels`, "info");
  }
  Object.assign(urls, install.options.channelUrls);
  const file = path.join(ctx.workDir, "conda-lock.explicit.txt");
  await writeFile(file, explicitFile(locked, urls));
  ctx.log(`installing the ${locked.length} conda packages of the lock (${file})`, "info");
  const args = explicitCreateArgs(tool, { prefix: install.prefix, file, offline: install.options.offline, extraArgs: install.options.createArgs });
  const create = await runTool(tool.path, args, ctx, { env: install.env, replaceEnv: true });
  if (create.exitCode !== 0) {
    const output = create.stderr || create.stdout;
    const culprit = locked.find((p) => output.includes(p.file));
    throw failed(
      `${tool.kind} could not install the locked conda packages (exit ${create.exitCode})${culprit ? `: ${culprit.name} ${culprit.version} (${culprit.file})` : ""}`,
      output,
      "a locked file is missing from its channel or does not match the lock's digest; check conda.channelUrls, or re-lock (envforge lock --upgrade-package NAME)",
    );
  }
}

/** The lock's pip part must still satisfy every pip requirement: checked by the prefix's own pip (markers for its Python). */
async function checkPipLock(ctx: BuildContext, python: string, requirements: readonly string[], locked: readonly LockedDistribution[], env: Record<string, string>): Promise<void> {
  const result = await runTool(python, lockSatisfiesArgs(requirements, locked), ctx, { env, replaceEnv: true, quietStdout: true });
  if (result.exitCode !== 0) throw failed("could not check the lock against the pip requirements", result.stderr, "the prefix needs pip (the builder adds it for a pip part)");
  const unmet = lockUnmetError(ctx, result.stdout);
  if (unmet) throw unmet;
}

/** conda keeps an environment's variables in conda-meta/state; activation exports them. */
async function writeVariables(prefix: string, variables: Record<string, string>): Promise<void> {
  const file = path.join(prefix, "conda-meta", "state");
  let state: Record<string, unknown> = {};
  try {
    state = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  } catch {
    // no state yet
  }
  state.env_vars = { ...((state.env_vars as Record<string, string> | undefined) ?? {}), ...variables };
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`);
}

function failed(message: string, output: string, hint: string): EnvforgeError {
  return createError("E_BUILD_FAILED", message, { hint, details: { output: tail(output) } });
}
