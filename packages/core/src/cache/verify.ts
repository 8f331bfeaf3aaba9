import { createHash } from "node:crypto";
import { lstatSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { isInside } from "../files/inside.js";
import { diffManifests, digestTree, TREE_ALGORITHM } from "./content-digest.js";
import { artifactsRoot, checkSeal } from "./seal.js";
import type { CacheEntry } from "./types.js";

/**
 * What `envforge cache verify` found for one entry:
 * - `ok`: the artifact's files are what the build recorded;
 * - `modified`: they differ (`differences` names the files when the build's file list is kept);
 * - `broken`: the artifact folder is gone or no longer a folder;
 * - `no-digest`: nothing recorded to compare with (built before digests existed) — not a failure;
 * - `external`: not a folder of the cache (an image, a user-managed interpreter): not checked here.
 * `seal` is set when the cheap check every hit makes fails (the next hit rebuilds the entry).
 */
export interface VerifyResult {
  hash: string;
  target: string;
  generation: number;
  path?: string | undefined;
  status: "ok" | "modified" | "broken" | "no-digest" | "external";
  seal?: string | undefined;
  differences?: string[] | undefined;
  /** Whether this result fails the verification. */
  failed: boolean;
}

/** Recomputes an entry's content digest and compares it with the one recorded at its build. */
export async function verifyEntry(entry: CacheEntry, layoutRoot: string, manifestFile: string): Promise<VerifyResult> {
  const base = { hash: entry.hash, target: entry.target, generation: entry.generation, path: entry.artifact.path };
  const artifact = entry.artifact.path;
  if (artifact === undefined || (entry.seal === undefined && !isInside(artifactsRoot(layoutRoot), artifact))) {
    return { ...base, status: "external", failed: false };
  }
  const seal = checkSeal(entry, layoutRoot).corrupt;
  // A plugin may seal one file as its artifact; every bundled builder makes a folder.
  const sealedFile = entry.seal?.stamps[0]?.type === "f";
  let inPlace: boolean;
  try {
    const stats = lstatSync(artifact);
    inPlace = sealedFile ? stats.isFile() : stats.isDirectory();
  } catch {
    inPlace = false;
  }
  if (!inPlace) return { ...base, status: "broken", seal, failed: true };
  const recorded = entry.contentDigest;
  if (recorded === undefined || recorded.algorithm !== TREE_ALGORITHM) return { ...base, status: "no-digest", seal, failed: seal !== undefined };
  const now = await digestTree(artifact, recorded.exclude);
  if (now.digest.value === recorded.value) return { ...base, status: "ok", seal, failed: seal !== undefined };
  let differences: string[] | undefined;
  try {
    const before = (await readFile(manifestFile, "utf8")).split("\n").filter((l) => l !== "");
    // Only a file list that is the one the digest was taken over can name the differences.
    if (createHash("sha256").update(before.join("\n")).digest("hex") === recorded.value) differences = diffManifests(before, now.lines);
  } catch {
    differences = undefined;
  }
  return { ...base, status: "modified", seal, differences, failed: true };
}

