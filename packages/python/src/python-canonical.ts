import type { CanonicalValue } from "@envforge/core/plugin-kit";

/**
 * The interpreter part of `python:` as core canonicalizes it (core's python-section.ts): what the
 * venv, conda and image builders of the Python sections read beside their own section.
 */
export type PythonCanonical = { interpreterPath?: string; userManaged?: true; version?: string };

/** Reads `canonical.sections.python` (any canonical value: core does not type it). */
export function pythonCanonical(value: CanonicalValue | undefined): PythonCanonical {
  if (value === undefined || value === null || typeof value !== "object" || Array.isArray(value)) return {};
  const out: PythonCanonical = {};
  if (typeof value.interpreterPath === "string") out.interpreterPath = value.interpreterPath;
  if (value.userManaged === true) out.userManaged = true;
  if (typeof value.version === "string") out.version = value.version;
  return out;
}

/**
 * Where the conda part of an image creates its environment; the pip part installs into it when
 * there is one (both plugins' image fragments name it, so it lives here).
 */
export const IMAGE_CONDA_PREFIX = "/opt/envforge/conda-env";
