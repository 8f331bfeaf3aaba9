import type { ImageFragment, ImageFragmentContext, LockedCondaPackage } from "@envforge/core/plugin-kit";
import { IMAGE_CONDA_PREFIX } from "@envforge/python";
import type { CondaCanonical } from "./section.js";
import { condaLockOf, explicitCreateArgs, explicitFile } from "./explicit.js";
import { createArgs, TOOL_ORDER, type ToolKind } from "./tool.js";

/** Where the environment lives in an image; the pip part installs into it (`@envforge/python`). */
export { IMAGE_CONDA_PREFIX };
export const CONDA_FRAGMENT_ORDER = 30;

const CONTEXT_DIR = "envforge/conda";
const IMAGE_DIR = "/envforge/conda";

/** POSIX single-quoting: nothing inside reaches the shell as syntax. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The script that creates the environment inside the image with whichever of micromamba, mamba
 * or conda the base image has (in that order). The tool is only known when the image is built,
 * so every variant is written out; each argument is single-quoted, so a package spec can never
 * become shell syntax.
 */
export function condaCreateScript(conda: CondaCanonical, explicit?: string): string {
  const branch = (kind: ToolKind) => {
    const tool = { kind, path: kind };
    // With a lock, the explicit file (copied beside this script) is the whole environment.
    const args = explicit === undefined
      ? createArgs(tool, { prefix: IMAGE_CONDA_PREFIX, channels: conda.channels, specs: conda.dependencies })
      : explicitCreateArgs(tool, { prefix: IMAGE_CONDA_PREFIX, file: explicit });
    return `  ${kind}) exec "$tool" ${args.map(shellQuote).join(" ")} ;;`;
  };
  return [
    "#!/bin/sh",
    "# Written by envforge: creates the conda environment of the definition.",
    "set -eu",
    'tool=""',
    `for candidate in ${TOOL_ORDER.join(" ")}; do`,
    '  if command -v "$candidate" >/dev/null 2>&1; then tool="$candidate"; break; fi',
    "done",
    'if [ -z "$tool" ]; then',
    "  echo 'envforge: this base image has no micromamba, mamba or conda, which a definition with a conda part needs.' >&2",
    "  echo 'envforge: use a base image that has one (for example mambaorg/micromamba, condaforge/miniforge3 or continuumio/miniconda3), or move the packages to pip.' >&2",
    "  exit 1",
    "fi",
    'echo "envforge: creating the conda environment with $tool"',
    'case "$tool" in',
    ...TOOL_ORDER.map(branch),
    "esac",
    "",
  ].join("\n");
}

/**
 * The conda part of an image (order 30: after the base and custom steps, before pip and Spark).
 * The environment is created with the base image's own conda tool; its `bin` goes first on PATH,
 * and the pip part of the definition installs into it.
 */
export function condaImageFragment(conda: CondaCanonical, ctx?: Pick<ImageFragmentContext, "canonical" | "options">): ImageFragment | undefined {
  if (!conda || conda.dependencies.length === 0) return undefined;
  const locked: LockedCondaPackage[] | undefined = ctx ? condaLockOf(ctx.canonical) : undefined;
  const files: Record<string, string> = {};
  if (locked) {
    // The same explicit list as the conda target; channel URLs from the build's conda.channelUrls.
    const channelUrls = (ctx?.options.conda as { channelUrls?: Record<string, string> } | undefined)?.channelUrls;
    files[`${CONTEXT_DIR}/explicit.txt`] = explicitFile(locked, channelUrls);
  }
  files[`${CONTEXT_DIR}/create.sh`] = condaCreateScript(conda, locked ? `${IMAGE_DIR}/explicit.txt` : undefined);
  const instructions = [`COPY ${CONTEXT_DIR} ${IMAGE_DIR}`, `RUN ["/bin/sh", "${IMAGE_DIR}/create.sh"]`];
  if (conda.variables && Object.keys(conda.variables).length > 0) {
    // conda keeps an environment's variables in conda-meta/state; activation exports them.
    files[`${CONTEXT_DIR}/state`] = `${JSON.stringify({ env_vars: conda.variables }, null, 2)}\n`;
    instructions.push(`RUN ["/bin/cp", "${IMAGE_DIR}/state", "${IMAGE_CONDA_PREFIX}/conda-meta/state"]`);
  }
  instructions.push(`ENV PATH=${IMAGE_CONDA_PREFIX}/bin:$PATH CONDA_PREFIX=${IMAGE_CONDA_PREFIX}`);
  return { order: CONDA_FRAGMENT_ORDER, instructions, files };
}
