import { readFile } from "node:fs/promises";
import path from "node:path";
import { createError, parseSourceDocument } from "@envforge/core/plugin-kit";
import { readEnvironment } from "./environment-file.js";
import { prepareMatchSpecs } from "./matchspec.js";
import { runTool } from "./run.js";
import { exportArgs, findCondaTool, type CondaTool } from "./tool.js";

/** An envforge definition holding a conda environment (what `envforge import conda` writes). */
export interface CondaDefinition {
  name?: string;
  python: {
    conda: {
      channels?: string[];
      dependencies: (string | { pip: string[] })[];
      variables?: Record<string, string>;
    };
  };
}

/**
 * An environment.yml as an envforge definition: its channels and dependencies as written (the
 * hash canonicalizes them, so the definition hashes like the file referenced through
 * `python.condaFile`), its `name:` as the definition's name, its `prefix:` dropped (envforge
 * chooses where it builds). Malformed files are refused with the file's line and column.
 */
export async function importCondaFile(file: string): Promise<CondaDefinition> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (cause) {
    throw createError("E_FILE_NOT_FOUND", `cannot read ${absolute}: ${(cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (cause as Error).message}`, {
      hint: "give the path of a conda environment file such as environment.yml",
      cause,
    });
  }
  return definitionFromEnvironment(text, absolute);
}

/** The same from the text of an environment file (`file` names it in errors). */
export async function definitionFromEnvironment(text: string, file: string): Promise<CondaDefinition> {
  await prepareMatchSpecs();
  const doc = parseSourceDocument(text, file);
  // Validates everything (MatchSpecs included) so a definition that imports also hashes.
  const content = readEnvironment({
    data: doc.data,
    locate: (p, key) => doc.locator.locate(p, key),
    field: "python.conda",
    label: `${path.basename(file)}: `,
  });
  const dependencies: (string | { pip: string[] })[] = content.dependencies.map((d) => d.text.trim());
  if (content.pip.length > 0) dependencies.push({ pip: content.pip.map((p) => p.value) });
  const conda: CondaDefinition["python"]["conda"] = { dependencies };
  if (content.channels.length > 0) conda.channels = content.channels;
  if (Object.keys(content.variables).length > 0) conda.variables = content.variables;
  const definition: CondaDefinition = { python: { conda } };
  if (content.name !== undefined) definition.name = content.name;
  return definition;
}

export interface ImportPrefixOptions {
  signal?: AbortSignal | undefined;
  log?: ((line: string, stream?: "stdout" | "stderr" | "info") => void) | undefined;
  env?: Record<string, string> | undefined;
}

/**
 * An existing conda prefix as a definition, through `<tool> env export --no-builds -p PREFIX`
 * (build strings left out: they pin one platform's binaries). `tool` is a kind, a command or a
 * path; by default the first of micromamba, mamba and conda on PATH.
 */
export async function importCondaPrefix(prefix: string, tool?: string | CondaTool, options: ImportPrefixOptions = {}): Promise<CondaDefinition> {
  const resolved = typeof tool === "object" ? tool : await findCondaTool(tool);
  const absolute = path.resolve(prefix);
  const ctx = { signal: options.signal ?? new AbortController().signal, log: options.log ?? (() => undefined) };
  const result = await runTool(resolved.path, exportArgs(resolved, absolute), ctx, { env: options.env, quietStdout: true });
  if (result.exitCode !== 0) {
    throw createError("E_NOT_FOUND", `${resolved.kind} env export failed for ${absolute} (exit ${result.exitCode}): ${(result.stderr || result.stdout).trim().split("\n").pop() ?? ""}`, {
      hint: "give the path of an existing conda environment (the folder that holds conda-meta/)",
      details: { output: result.stderr },
    });
  }
  const definition = await definitionFromEnvironment(result.stdout, `${resolved.kind} env export -p ${absolute}`);
  definition.name ??= path.basename(absolute);
  return definition;
}
