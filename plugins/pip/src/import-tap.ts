import path from "node:path";
import type { ImportRequest, ImportResult } from "@envforge/core/plugin-kit";
import { importRequirementsFile } from "./import.js";

/** The format name of pip requirements files (`envforge import requirements FILE`). */
export const REQUIREMENTS_FORMAT = "requirements";

/**
 * The `import` tap for requirements files. By default the definition refers to the file
 * (`pipRequirements:`), carried along with every `-r`/`-c` file it includes, comments and all;
 * `inline` writes the canonical requirements into `pip:` instead — not possible with constraints
 * files, which pip only reads from files, so those fall back to the reference. Both hash alike.
 */
export async function importRequirements(request: ImportRequest): Promise<ImportResult> {
  const reference: ImportResult = { fields: { python: { pipRequirements: path.basename(request.file) } }, warnings: [], notes: [] };
  if (!request.inline) return reference;
  const imported = await importRequirementsFile(request.file);
  // Constraints only exist as files: the referencing form.
  if (imported.constraints.length > 0) return reference;
  const o = imported.buildOptions;
  return {
    fields: { python: { pip: imported.pip } },
    warnings: imported.unpinned.map((name) => ({ code: "W_UNPINNED", message: `"${name}" is not pinned` })),
    notes:
      o.indexUrl || o.extraIndexUrls.length > 0 || o.findLinks.length > 0 || o.noIndex
        ? ["the file's index options are build options, not part of the definition; pass them to envforge build (--index-url, --find-links)"]
        : [],
  };
}
