import type { BuildOutput } from "../build/build-types.js";
import { writeFileDurable } from "./atomic-write.js";
import { digestTree } from "./content-digest.js";
import { takeSeal } from "./seal.js";
import type { CacheEntry } from "./types.js";

/**
 * What a build records of its artifact folder for later checks: the content digest (and its file
 * list, for `cache verify` to name what differs) and the seal every hit checks — taken last, after
 * everything that reads the folder. Only an artifact that is the build's folder in the cache is
 * recorded; images and a user-managed interpreter are checked by other means (seal.ts).
 *
 * The digest is best-effort: a file the engine cannot read leaves the entry without one (`cache
 * verify` then says "no digest recorded"), never fails a build that succeeded.
 */
export async function recordContents(output: BuildOutput, artifactDir: string, manifestFile: string): Promise<Pick<CacheEntry, "seal" | "contentDigest">> {
  if (output.artifact.path !== artifactDir) return {};
  const recorded: Pick<CacheEntry, "seal" | "contentDigest"> = {};
  try {
    const manifest = await digestTree(artifactDir, output.seal?.volatile);
    await writeFileDurable(manifestFile, `${manifest.lines.join("\n")}\n`);
    recorded.contentDigest = manifest.digest;
  } catch {
    // no digest: see above
  }
  const seal = takeSeal(artifactDir, output.seal?.paths);
  if (seal) recorded.seal = seal;
  return recorded;
}
