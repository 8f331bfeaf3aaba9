import { readFile } from "node:fs/promises";
import path from "node:path";
import { createError } from "@envforge/core/plugin-kit";
import { sortedUnique, type RequirementsBuildOptions } from "@envforge/python";
import { PipCollector } from "./collect.js";
import { canonicalOptions } from "./options.js";

/** A requirements file turned into items for a definition's `python.pip:` list. */
export interface ImportedRequirements {
  /**
   * Items for `python.pip:`: install-changing options (`--pre`, `--no-binary=...`), then the
   * canonical requirements. Without constraints, a definition listing these hashes exactly like
   * one naming the file in `pipRequirements`.
   */
  pip: string[];
  requirements: string[];
  /** Canonical constraints (`-c` files). They cannot be written inline: keep them in a file. */
  constraints: string[];
  options: string[];
  /** Index options found in the files: builder options, not part of the definition. */
  buildOptions: RequirementsBuildOptions;
  /** Names (or URLs) of requirements not pinned to one version. */
  unpinned: string[];
  /** Every file read, the imported one first. */
  files: string[];
}

/** Reads a requirements file (following `-r`/`-c` includes) for `envforge import`. */
export async function importRequirementsFile(file: string): Promise<ImportedRequirements> {
  const absolute = path.resolve(file);
  const text = await readText(absolute, undefined);
  return importRequirementsText(text, absolute);
}

/** Same, from text; `file` names it in errors and anchors relative includes. */
export async function importRequirementsText(text: string, file: string): Promise<ImportedRequirements> {
  const files = [file];
  const collector = new PipCollector(async (request, from) => {
    const absolutePath = path.resolve(from.baseDir, request);
    const content = await readText(absolutePath, from.location);
    files.push(absolutePath);
    return { absolutePath, content };
  });
  await collector.add({ text, file, baseDir: path.dirname(file), field: "requirements" }, false, [file]);
  const parsed = collector.parsed;
  const requirements = sortedUnique(parsed.requirements.map((r) => r.canonical));
  const options = canonicalOptions(parsed.options);
  const unpinned = sortedUnique(parsed.requirements.filter((r) => !r.pinned).map((r) => r.name ?? r.written));
  return {
    pip: [...options, ...requirements],
    requirements,
    constraints: sortedUnique(parsed.constraints.map((r) => r.canonical)),
    options,
    buildOptions: parsed.buildOptions,
    unpinned,
    files,
  };
}

async function readText(file: string, at: { file: string; line: number; column: number } | undefined): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (cause) {
    throw createError("E_FILE_NOT_FOUND", `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String((cause as Error).message)}`, {
      location: at,
      hint: "-r and -c paths are relative to the file that names them",
      cause,
    });
  }
}
