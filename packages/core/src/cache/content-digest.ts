import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { lstat, open, readdir, readlink } from "node:fs/promises";
import path from "node:path";
import type { ContentDigest } from "./types.js";

/**
 * The digest of every file of an artifact folder, as `nix store verify` checks a store path: taken
 * after the build (never on a hit), recorded in the entry, recomputed by `envforge cache verify`.
 *
 * One line per folder, file and link, sorted by path: type, permission bits, size, the sha256 of
 * the content (of the target text for a link), the path as JSON. The digest is the sha256 of the
 * lines; the lines themselves are kept beside the entry (`manifests/`) so verify can name what
 * differs. Left out: `__pycache__` folders and `*.pyc` files, which running the environment's
 * Python writes, and the folders the builder declared volatile (Spark's Ivy cache). Other file
 * types (FIFOs, sockets) count by type and path only.
 */
export const TREE_ALGORITHM = "sha256-tree-1";

/** Files read whole below this size; streamed above it (a conda prefix has 100 MB libraries). */
const WHOLE_READ_MAX = 8 * 1024 * 1024;
/** Files hashed at once: enough to keep the disk busy, few enough not to exhaust descriptors. */
const PARALLEL = 8;

export interface TreeManifest {
  digest: ContentDigest;
  /** The sorted lines the digest is taken over. */
  lines: string[];
}

export async function digestTree(root: string, exclude: readonly string[] = []): Promise<TreeManifest> {
  const excluded = new Set(exclude.map((e) => e.split(/[\\/]+/).filter((p) => p !== "" && p !== ".").join("/")));
  const found: Array<{ rel: string; abs: string }> = [];
  const walk = async (dir: string, relDir: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const rel = relDir === "" ? name : `${relDir}/${name}`;
      if (name === "__pycache__" || name.endsWith(".pyc") || excluded.has(rel)) continue;
      const abs = path.join(dir, name);
      found.push({ rel, abs });
      if ((await lstat(abs)).isDirectory()) await walk(abs, rel);
    }
  };
  await walk(root, "");
  found.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const lines = new Array<string>(found.length);
  let bytes = 0;
  let files = 0;
  let next = 0;
  const worker = async () => {
    while (next < found.length) {
      const i = next++;
      const { rel, abs } = found[i]!;
      const stats = await lstat(abs);
      const mode = (stats.mode & 0o7777).toString(8);
      let type = "o";
      let content = "-";
      let size = 0;
      if (stats.isDirectory()) type = "d";
      else if (stats.isSymbolicLink()) {
        type = "l";
        const target = await readlink(abs);
        size = Buffer.byteLength(target);
        content = sha256(Buffer.from(target));
      } else if (stats.isFile()) {
        type = "f";
        size = stats.size;
        content = await fileDigest(abs, stats.size);
        bytes += stats.size;
        files++;
      }
      lines[i] = `${type} ${mode} ${size} ${content} ${JSON.stringify(rel)}`;
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  const value = sha256(Buffer.from(lines.join("\n")));
  const digest: ContentDigest = { algorithm: TREE_ALGORITHM, value, files, bytes };
  if (excluded.size > 0) digest.exclude = [...excluded].sort();
  return { digest, lines };
}

/** What differs between the manifest recorded at build time and the folder now, by path. */
export function diffManifests(before: readonly string[], after: readonly string[]): string[] {
  const byPath = (lines: readonly string[]) => new Map(lines.map((l) => [pathOf(l), l] as const));
  const was = byPath(before);
  const now = byPath(after);
  const out: string[] = [];
  for (const [p, line] of was) {
    const current = now.get(p);
    if (current === undefined) out.push(`removed ${JSON.parse(p) as string}`);
    else if (current !== line) out.push(`modified ${JSON.parse(p) as string}`);
  }
  for (const p of now.keys()) if (!was.has(p)) out.push(`added ${JSON.parse(p) as string}`);
  return out.sort((a, b) => (a.slice(a.indexOf(" ")) < b.slice(b.indexOf(" ")) ? -1 : 1));
}

/** The JSON path after a line's four space-free fields. */
function pathOf(line: string): string {
  let at = -1;
  for (let field = 0; field < 4; field++) at = line.indexOf(" ", at + 1);
  return line.slice(at + 1);
}

/**
 * Opened without blocking and without following a link, then checked to be a regular file: a
 * FIFO put in place of a file after the walk saw it must not hang `cache verify`.
 */
async function fileDigest(file: string, size: number): Promise<string> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  try {
    if (!(await handle.stat()).isFile()) return "not-a-file";
    if (size <= WHOLE_READ_MAX) return sha256(await handle.readFile());
    const hash = createHash("sha256");
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    return hash.digest("hex");
  } finally {
    await handle.close();
  }
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
