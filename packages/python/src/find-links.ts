import { lstat, readdir, realpath } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createError, isInside, type EnvforgeError } from "@envforge/core/plugin-kit";
import type { EnvSite } from "./env-refs.js";

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * The folder a `--find-links` value names on this machine (relative paths are read against the
 * requirements file's folder, as pip does; `file://` URLs are paths too), or `undefined` for a
 * remote URL.
 */
export function localFindLinks(value: string, baseDir: string, site: EnvSite): string | undefined {
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) return path.resolve(baseDir, value);
  if (scheme !== "file") return undefined;
  try {
    return fileURLToPath(value);
  } catch {
    throw createError("E_INVALID_REQUIREMENT", `--find-links ${value} is not a file URL this machine can read`, {
      location: site.location,
      field: site.field,
      hint: "write a folder relative to the requirements file (--find-links ./wheels), or file:///absolute/path",
    });
  }
}

function outside(shown: string, why: string, root: string, site: EnvSite): EnvforgeError {
  return createError("E_FILE_OUTSIDE_ROOT", `--find-links ${shown} ${why} the definition's folder ${root}`, {
    location: site.location,
    field: site.field,
    hint: "keep the wheels in a folder beside the definition, give the folder as a builder option (--find-links / -o pip.findLinks=...), or let the host allow it (--allow-outside-files; engine option allowFilesOutsideRoot, policy.allowOutsideFiles)",
  });
}

/**
 * A definition's find-links folder must lie inside the definition's folder, symlinks resolved:
 * what it installs from is not hashed, so a folder elsewhere would let one definition's hash
 * stand for whatever wheels some other place holds. With `entries`, each symlink directly in
 * the folder (pip reads only those) is checked too.
 */
export async function confineFindLinks(
  folder: string,
  shown: string,
  root: string,
  site: EnvSite,
  options: { entries?: boolean } = {},
): Promise<void> {
  if (!isInside(root, folder)) throw outside(shown, "is outside", root, site);
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(folder), realpath(root)]);
  } catch {
    return; // missing: pip reports an empty folder, nothing is read from elsewhere
  }
  if (!isInside(realRoot, real)) throw outside(shown, "links outside", root, site);
  if (!options.entries) return;
  let names: string[];
  try {
    if (!(await lstat(real)).isDirectory()) return;
    names = await readdir(real);
  } catch {
    return;
  }
  for (const name of names) {
    const entry = path.join(real, name);
    const stats = await lstat(entry).catch(() => undefined);
    if (!stats?.isSymbolicLink()) continue;
    const target = await realpath(entry).catch(() => undefined);
    if (target !== undefined && !isInside(realRoot, target)) throw outside(`${shown} (${name})`, "links outside", root, site);
  }
}
