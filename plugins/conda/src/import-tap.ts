import path from "node:path";
import type { ImportRequest, ImportResult } from "@envforge/core/plugin-kit";
import { importCondaFile } from "./import.js";

/** The format name of conda environment files (`envforge import conda environment.yml`). */
export const CONDA_FORMAT = "conda";

/**
 * The `import` tap for conda environment files (their `pip:` sub-list included). By default the
 * definition refers to the file (`condaFile:`); `inline` writes its channels, dependencies and
 * variables into `python.conda` (the hash canonicalizes them, so both hash alike) and hands back
 * the file's `name:`.
 */
export async function importConda(request: ImportRequest): Promise<ImportResult> {
  if (!request.inline) return { fields: { python: { condaFile: path.basename(request.file) } }, warnings: [], notes: [] };
  const { name, ...fields } = await importCondaFile(request.file);
  return { fields, name, warnings: [], notes: [] };
}
