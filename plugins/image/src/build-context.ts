import { lstat, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { createError } from "@envforge/core/plugin-kit";
import type { GeneratedImage } from "./generator.js";

/** A path of a build context besides the Dockerfile. */
export interface ContextEntry {
  /** Context-relative, with `/` separators (as the Dockerfile's COPY names it). */
  path: string;
  kind: "file" | "folder";
  /** A generated file's size in bytes. */
  bytes?: number;
  /** The host folder a folder is copied from. */
  from?: string;
}

/** What a generated image's build context holds besides the Dockerfile, sorted by path. */
export function contextEntries(image: GeneratedImage): ContextEntry[] {
  const files: ContextEntry[] = Object.entries(image.files).map(([rel, content]) => ({
    path: rel,
    kind: "file",
    bytes: typeof content === "string" ? Buffer.byteLength(content) : content.byteLength,
  }));
  const folders: ContextEntry[] = Object.entries(image.folders).map(([rel, host]) => ({ path: rel, kind: "folder", from: host }));
  return [...files, ...folders].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Makes `dir` ready to receive `image`'s build context (`writeBuildContext`). A missing folder is
 * fine; an existing one must be empty, unless `force`: then the Dockerfile and the top folders of
 * the context's paths (`envforge/`) are removed first, so nothing of an earlier context stays —
 * a wheel left in `envforge/pip/wheels/0` would be found by pip. Other files are left alone.
 */
export async function prepareContextDir(dir: string, image: GeneratedImage, force: boolean): Promise<void> {
  const stat = await lstat(dir).catch((cause: NodeJS.ErrnoException) => {
    if (cause.code === "ENOENT") return undefined;
    throw cause;
  });
  if (stat === undefined) return;
  if (!stat.isDirectory()) {
    throw createError("E_CONFLICT", `--context ${dir} exists and is not a folder`, {
      hint: "name a new or empty folder for the build context",
    });
  }
  const present = await readdir(dir);
  if (present.length === 0) return;
  if (!force) {
    throw createError("E_CONFLICT", `--context ${dir} is not empty (${present.length} entr${present.length === 1 ? "y" : "ies"}, e.g. ${present.sort()[0]})`, {
      hint: "name a new or empty folder, or add --force to replace the Dockerfile and envforge/ folder in it",
    });
  }
  const owned = new Set(["Dockerfile", ...[...Object.keys(image.files), ...Object.keys(image.folders)].map((rel) => rel.split("/")[0]!)]);
  for (const top of owned) await rm(path.join(dir, top), { recursive: true, force: true });
}
