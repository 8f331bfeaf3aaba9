import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import path from "node:path";
import { createError } from "@envforge/core/plugin-kit";

/**
 * The conda-compatible tools envforge drives, and the exact command lines it runs with each. The
 * command construction is pure (and unit tested) because no such tool can be installed on the
 * machines this is developed on.
 */
export type ToolKind = "micromamba" | "mamba" | "conda";

export interface CondaTool {
  kind: ToolKind;
  /** Absolute path of the executable. */
  path: string;
}

/** Tried in this order: micromamba is one static binary, mamba solves faster than conda. */
export const TOOL_ORDER: readonly ToolKind[] = ["micromamba", "mamba", "conda"];

export const INSTALL_HINT =
  "install one of micromamba (a single static binary: https://mamba.readthedocs.io/en/latest/installation/micromamba-installation.html), " +
  "mamba or conda (both come with Miniforge: https://github.com/conda-forge/miniforge) and put it on PATH, " +
  "or set the builder option conda.tool to the executable's path";

export function kindOf(executable: string): ToolKind {
  const base = path.basename(executable).toLowerCase().replace(/\.(exe|bat|cmd)$/, "");
  if (base.includes("micromamba")) return "micromamba";
  if (base.includes("mamba")) return "mamba";
  return "conda";
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds the tool: `preferred` may be a kind (`micromamba`), a command name, or a path. Without it,
 * the first of `TOOL_ORDER` on PATH wins. None found is `E_TOOL_NOT_FOUND` saying what to install.
 */
export async function findCondaTool(preferred?: string, searchPath: string = process.env.PATH ?? ""): Promise<CondaTool> {
  const dirs = searchPath.split(path.delimiter).filter(Boolean);
  const onPath = async (name: string): Promise<string | undefined> => {
    for (const dir of dirs) {
      const candidate = path.join(dir, name);
      if (await isExecutable(candidate)) return candidate;
    }
    return undefined;
  };
  if (preferred !== undefined && preferred.trim() !== "") {
    const wanted = preferred.trim();
    const found = wanted.includes("/") || wanted.includes(path.sep) ? ((await isExecutable(path.resolve(wanted))) ? path.resolve(wanted) : undefined) : await onPath(wanted);
    if (!found) {
      throw createError("E_TOOL_NOT_FOUND", `the conda tool "${wanted}" (builder option conda.tool) is not ${wanted.includes("/") ? "an executable file" : "on PATH"}`, {
        hint: `${INSTALL_HINT}; or drop the option to use whichever of ${TOOL_ORDER.join(", ")} is on PATH`,
        details: { tool: wanted, path: dirs },
      });
    }
    return { kind: kindOf(found), path: found };
  }
  for (const kind of TOOL_ORDER) {
    const found = await onPath(kind);
    if (found) return { kind, path: found };
  }
  throw createError("E_TOOL_NOT_FOUND", `building the conda target needs micromamba, mamba or conda, and none is on PATH (searched ${dirs.length} folders)`, {
    hint: INSTALL_HINT,
    details: { tried: TOOL_ORDER, path: dirs },
  });
}

export interface CreateRequest {
  prefix: string;
  channels: readonly string[];
  specs: readonly string[];
  offline?: boolean | undefined;
  extraArgs?: readonly string[] | undefined;
}

/**
 * `create -y -p PREFIX --override-channels -c ch1 -c ch2 spec...`. `--override-channels` makes the
 * definition's channels the only ones (a user's .condarc must not change what a hash builds).
 * `nodefaults` is environment.yml's way of saying "not defaults"; it is not a channel to pass.
 * Without channels the tool's configured ones are used (the definition asked for nothing else).
 */
export function createArgs(tool: CondaTool, request: CreateRequest): string[] {
  const channels = request.channels.filter((c) => c !== "nodefaults");
  const args = ["create", "--yes", "--prefix", request.prefix];
  if (channels.length > 0 || request.channels.includes("nodefaults")) {
    args.push("--override-channels");
    for (const channel of channels) args.push("--channel", channel);
  }
  if (request.offline) args.push("--offline");
  // conda prints progress bars as carriage-return redraws; in a log they are noise.
  if (tool.kind === "conda") args.push("--quiet");
  args.push(...(request.extraArgs ?? []), ...request.specs);
  return args;
}

/**
 * Commands that print the prefix's packages as an explicit spec (`@EXPLICIT` + one URL per
 * package, with its hash), best first: the builder uses the first that succeeds. conda ≥ 24
 * knows `--sha256`; older conda, and mamba 1 (which hands `list` to conda), know `--md5`;
 * micromamba and mamba 2 print md5s by default with `env export --explicit`.
 */
export function explicitLockCommands(tool: CondaTool, prefix: string): string[][] {
  const list = (hash: string) => ["list", "--explicit", hash, "--prefix", prefix];
  const exportExplicit = ["env", "export", "--explicit", "--prefix", prefix];
  switch (tool.kind) {
    case "conda":
      return [list("--sha256"), list("--md5")];
    case "mamba":
      return [list("--sha256"), list("--md5"), exportExplicit];
    case "micromamba":
      return [exportExplicit];
  }
}

/** `env export` without build strings, for importing an existing prefix (micromamba spells it `--no-build`). */
export function exportArgs(tool: CondaTool, prefix: string): string[] {
  return ["env", "export", tool.kind === "micromamba" ? "--no-build" : "--no-builds", "--prefix", prefix];
}

/** The prefix's interpreter (conda puts it at the root of the prefix on Windows). */
export function prefixPython(prefix: string, platform: NodeJS.Platform = process.platform): string {
  return platform === "win32" ? path.join(prefix, "python.exe") : path.join(prefix, "bin", "python");
}

export const PIP_FREEZE_ARGS = ["-m", "pip", "freeze", "--disable-pip-version-check"];
