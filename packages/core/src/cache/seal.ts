import { closeSync, existsSync, fdatasyncSync, lstatSync, openSync, renameSync, rmSync, writeSync, type Stats } from "node:fs";
import path from "node:path";
import { isInside } from "../files/inside.js";
import { readRegularFileSync } from "../files/regular-file.js";
import { parseEntry } from "./entry-schema.js";
import type { LocalMiss } from "./read-entry.js";
import type { ArtifactSeal, CacheEntry, SealStamp } from "./types.js";

/**
 * The seal: what every cache hit checks of an artifact folder, in a few `lstat` calls, so a
 * damaged artifact (emptied, its interpreter or a package deleted, replaced by a file or a link,
 * the entry's path edited) is a corrupt entry — rebuilt — and never served.
 *
 * Stamps are modification times (plus sizes of files and links), not inode numbers: a cache
 * restored from an archive at the same place (a CI cache) keeps its times and still hits. Times
 * truncated to the second by the archive (GNU tar's default format) are accepted as equal; a
 * damage gets the current time, whose sub-second part is almost never zero. What the seal cannot
 * see — a file's content rewritten in place, anything below the folders sealed — is what
 * `envforge cache verify` checks (content-digest.ts). The seal guards against accidents and
 * careless tools, not against someone who edits the entry file itself.
 */

/** The folder of the cache under which every artifact folder lies. */
export function artifactsRoot(layoutRoot: string): string {
  return path.join(layoutRoot, "artifacts");
}

/**
 * Stamps of an artifact folder and of the paths its builder named (relative), taken right after
 * the build. `undefined` when the artifact is neither a folder nor a file. Paths that do not
 * exist are left out: a builder names what its artifacts usually have.
 */
export function takeSeal(artifactPath: string, paths: readonly string[] = []): ArtifactSeal | undefined {
  const root = stampOf(artifactPath, "");
  // A plugin's builder may leave one file as its artifact: sealed as a file (never a link).
  if (root?.type !== "d" && root?.type !== "f") return undefined;
  const stamps: SealStamp[] = [{ ...root, type: root.type }];
  const seen = new Set([""]);
  for (const rel of paths) {
    const clean = rel.split(/[\\/]+/).filter((p) => p !== "" && p !== ".").join("/");
    if (seen.has(clean) || clean.split("/").includes("..")) continue;
    seen.add(clean);
    const stamp = stampOf(path.join(artifactPath, clean), clean);
    if (stamp && stamp.type !== "o") stamps.push({ ...stamp, type: stamp.type });
  }
  return { v: 1, path: artifactPath, stamps };
}

export type SealVerdict = { corrupt?: undefined; unsealed?: boolean } | { corrupt: string; unsealed?: undefined };

/**
 * Whether an entry's artifact is as sealed. Entries without a seal whose artifact is a folder of
 * the cache (written before seals existed) get the checks that need no record — a real folder,
 * not a link or a file — and `unsealed`; artifacts outside the cache (images, a user-managed
 * interpreter) are left to their `verify` taps and to `read-entry.ts`'s existence check.
 */
export function checkSeal(entry: CacheEntry, layoutRoot: string): SealVerdict {
  const artifact = entry.artifact.path;
  if (artifact === undefined) return {};
  const seal = entry.seal;
  const inCache = isInside(artifactsRoot(layoutRoot), artifact);
  if (seal === undefined) {
    if (!inCache) return {};
    const root = lstatOf(artifact);
    if (!root?.isDirectory()) return { corrupt: `its artifact ${artifact} is ${describe(root)}, not a folder` };
    return { unsealed: true };
  }
  if (seal.v !== 1) return {}; // a newer format: its envforge checks it
  if (seal.path !== artifact) return { corrupt: `its artifact path was changed from ${seal.path} to ${artifact}` };
  if (!inCache) return { corrupt: `its artifact ${artifact} lies outside the cache's artifacts folder` };
  for (const stamp of seal.stamps) {
    const where = stamp.path === "" ? artifact : path.join(artifact, stamp.path);
    if (stamp.type === "l") {
      // One call, not two: a link replaced or removed shows in its folder's time, which is sealed too.
      if (!existsSync(where)) return { corrupt: `${where} is gone or leads nowhere` };
      continue;
    }
    const found = stampOf(where, stamp.path);
    if (found === undefined) return { corrupt: `${where} is gone` };
    if (found.type !== stamp.type) return { corrupt: `${where} is ${TYPE_WORDS[found.type]}, was ${TYPE_WORDS[stamp.type]}` };
    if (!sameTime(found.mtimeMs, stamp.mtimeMs) || found.size !== stamp.size) return { corrupt: `${where} changed since the build` };
  }
  return {};
}

/**
 * Checks a read entry; an entry written before seals existed is sealed now (root stamp only: its
 * builder's paths are not known) and written back atomically. Best-effort: a read-only cache, or
 * an entry replaced meanwhile, keeps the file as it is; the entry returned carries the seal.
 */
export function checkedEntry(file: string, entry: CacheEntry, layoutRoot: string): { entry?: CacheEntry; miss?: LocalMiss } {
  const verdict = checkSeal(entry, layoutRoot);
  if (verdict.corrupt !== undefined) return { miss: { corrupt: `cache entry ${file} fails its seal: ${verdict.corrupt}` } };
  if (!verdict.unsealed) return { entry };
  const seal = takeSeal(entry.artifact.path!);
  if (!seal) return { entry };
  const sealed: CacheEntry = { ...entry, seal };
  writeSealed(file, entry, sealed);
  return { entry: sealed };
}

/** Replaces the entry file with its sealed form unless another process changed it meanwhile. */
function writeSealed(file: string, before: CacheEntry, sealed: CacheEntry): void {
  const temp = `${file}.${process.pid}.seal.tmp`;
  try {
    const now = parseEntry(readRegularFileSync(file, "utf8")); // never blocks on a FIFO put there meanwhile
    if (!now || now.generation !== before.generation || now.seal !== undefined || now.artifact.path !== before.artifact.path) return;
    const fd = openSync(temp, "w");
    try {
      const bytes = Buffer.from(`${JSON.stringify(sealed, null, 2)}\n`, "utf8");
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // a read-only cache: nothing was written
    }
  }
}

const TYPE_WORDS = { d: "a folder", f: "a file", l: "a symbolic link", o: "something else" } as const;

function describe(stats: Stats | undefined): string {
  if (!stats) return "gone";
  if (stats.isSymbolicLink()) return "a symbolic link";
  return stats.isFile() ? "a file" : "something else";
}

function lstatOf(file: string): Stats | undefined {
  try {
    return lstatSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** A stamp as found: `o` (a FIFO, a socket, a device) is never recorded, only found. */
type FoundStamp = Omit<SealStamp, "type"> & { type: SealStamp["type"] | "o" };

function stampOf(file: string, rel: string): FoundStamp | undefined {
  const stats = lstatOf(file);
  if (!stats) return undefined;
  if (stats.isDirectory()) return { path: rel, type: "d", mtimeMs: stats.mtimeMs };
  const type = stats.isFile() ? "f" : stats.isSymbolicLink() ? "l" : "o";
  return { path: rel, type, mtimeMs: stats.mtimeMs, size: stats.size };
}

/** Equal, or `recorded` truncated to the second by an archive that restored the cache. */
function sameTime(found: number, recorded: number): boolean {
  return found === recorded || (found % 1000 === 0 && found === recorded - (recorded % 1000));
}
