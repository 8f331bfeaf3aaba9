import { fileURLToPath } from "node:url";
import { createError, outsideRoot, type SourceLocation } from "@envforge/core/plugin-kit";

/**
 * A `file:` repository a definition names must lie inside the definition's folder, symlinks
 * resolved: the jars it holds are not hashed, so a folder elsewhere would let one definition's
 * hash stand for whatever some other place of the machine holds. Takes a normalized URL; other
 * schemes pass (the host policy checks their hosts).
 */
export async function confineRepository(repository: string, root: string, site: { location?: SourceLocation; field?: string }): Promise<void> {
  if (!repository.startsWith("file:")) return;
  let folder: string;
  try {
    folder = fileURLToPath(repository);
  } catch {
    throw createError("E_INVALID_VALUE", `invalid repository URL ${JSON.stringify(repository)}: not a folder this machine can read`, {
      location: site.location,
      field: site.field,
      hint: 'write file:///absolute/path, without an encoded "/"',
    });
  }
  const why = await outsideRoot(root, folder);
  if (why === undefined) return;
  throw createError("E_FILE_OUTSIDE_ROOT", `the repository ${repository} ${why} the definition's folder ${root}`, {
    location: site.location,
    field: site.field,
    hint: "keep the Maven repository in a folder beside the definition, give it as a builder option (spark.defaultRepositories), or let the host allow it (--allow-outside-files; engine option allowFilesOutsideRoot, policy.allowOutsideFiles)",
  });
}
