import { lstat, readdir } from "node:fs/promises";
import path from "node:path";
import { readRegularFile, type Hash } from "@envforge/core/plugin-kit";

/**
 * What garbage collection sees in the local cache (`<cacheDir>/v1`, see core's LocalStore): one
 * unit per (target, hash, generation) with the files that belong to it, plus debris.
 */
export type UnitKind =
  /** The current entry of a hash and target (`entries/`). */
  | "entry"
  /** A generation a forced rebuild replaced (`generations/`): kept until collected. */
  | "generation"
  /** An artifact or log without an entry: a failed or killed build, or a build in progress. */
  | "debris"
  /** Scratch folders of builds (`tmp/`), and entries core set aside as corrupt. */
  | "tmp";

export interface CacheUnit {
  kind: UnitKind;
  target?: string | undefined;
  hash?: Hash | undefined;
  generation?: number | undefined;
  /** The entry (or generation) file: deleted first, so no entry ever points at half an artifact. */
  marker?: string | undefined;
  /** Folders and files under the cache that belong to the unit. */
  paths: string[];
  /** The artifact as the entry names it (may be outside the cache, e.g. an image reference). */
  artifact?: { path?: string | undefined; reference?: string | undefined; digest?: string | undefined } | undefined;
  bytes: number;
  /** When it was built (entry timings) or last written: age is measured from here. */
  time: number;
}

interface EntryFields {
  generation: number;
  artifact?: { path?: string; reference?: string; digest?: string };
  timings?: { finishedAt?: string };
}

const ENTRY_FILE = /^([0-9a-f]{64})\.json$/;
const ARTIFACT_DIR = /^([0-9a-f]{64})\.(\d+)$/;
const LOG_FILE = /^([0-9a-f]{64})\.(\d+)\.log$/;
/** The file list `cache verify` compares an artifact with: goes with its generation. */
const MANIFEST_FILE = /^([0-9a-f]{64})\.(\d+)\.txt$/;

export async function scanCache(root: string): Promise<CacheUnit[]> {
  const units = new Map<string, CacheUnit>();
  const extra: CacheUnit[] = [];
  const sizer = new Sizer();
  const keyOf = (target: string, hex: string, n: number) => `${target}/${hex}/${n}`;

  for (const target of await list(path.join(root, "entries"))) {
    const dir = path.join(root, "entries", target);
    for (const name of await list(dir)) {
      const file = path.join(dir, name);
      const match = ENTRY_FILE.exec(name);
      const entry = match ? await readEntry(file) : undefined;
      if (!match || !entry) {
        extra.push({ kind: "tmp", paths: [file], bytes: await sizer.size(file), time: await mtime(file) });
        continue;
      }
      units.set(keyOf(target, match[1]!, entry.generation), unitFor("entry", target, match[1]!, entry, file));
    }
  }
  for (const target of await list(path.join(root, "generations"))) {
    for (const hex of await list(path.join(root, "generations", target))) {
      const dir = path.join(root, "generations", target, hex);
      for (const name of await list(dir)) {
        const file = path.join(dir, name);
        const entry = await readEntry(file);
        const n = Number.parseInt(name, 10);
        const key = keyOf(target, hex, n);
        if (!entry || entry.generation !== n || units.has(key)) {
          extra.push({ kind: "tmp", paths: [file], bytes: await sizer.size(file), time: await mtime(file) });
          continue;
        }
        units.set(key, unitFor("generation", target, hex, entry, file));
      }
    }
  }
  const attach = async (dirName: "artifacts" | "logs" | "manifests", pattern: RegExp) => {
    for (const target of await list(path.join(root, dirName))) {
      for (const name of await list(path.join(root, dirName, target))) {
        const match = pattern.exec(name);
        const file = path.join(root, dirName, target, name);
        if (!match) {
          extra.push({ kind: "tmp", paths: [file], bytes: await sizer.size(file), time: await mtime(file) });
          continue;
        }
        const key = keyOf(target, match[1]!, Number(match[2]));
        let unit = units.get(key);
        if (!unit) {
          unit = { kind: "debris", target, hash: `efh1:${match[1]!}`, generation: Number(match[2]), paths: [], bytes: 0, time: 0 };
          units.set(key, unit);
        }
        unit.paths.push(file);
      }
    }
  };
  await attach("artifacts", ARTIFACT_DIR);
  await attach("logs", LOG_FILE);
  await attach("manifests", MANIFEST_FILE);
  for (const name of await list(path.join(root, "tmp"))) {
    const file = path.join(root, "tmp", name);
    extra.push({ kind: "tmp", paths: [file], bytes: await sizer.size(file), time: await mtime(file) });
  }

  for (const unit of units.values()) {
    for (const p of unit.paths) unit.bytes += await sizer.size(p);
    if (unit.time === 0) unit.time = Math.max(0, ...(await Promise.all(unit.paths.map(mtime))));
  }
  return [...units.values(), ...extra];
}

function unitFor(kind: "entry" | "generation", target: string, hex: string, entry: EntryFields, file: string): CacheUnit {
  const finished = Date.parse(entry.timings?.finishedAt ?? "");
  return {
    kind,
    target,
    hash: `efh1:${hex}`,
    generation: entry.generation,
    marker: file,
    paths: [file],
    artifact: entry.artifact,
    bytes: 0,
    time: Number.isFinite(finished) ? finished : 0,
  };
}

/** Only the fields gc needs; anything that does not have them is debris, not an entry. */
async function readEntry(file: string): Promise<EntryFields | undefined> {
  try {
    // Only a regular file is opened: a FIFO named like an entry is debris, never a wait.
    const data = JSON.parse((await readRegularFile(file)).bytes!.toString("utf8")) as Partial<EntryFields>;
    if (typeof data.generation !== "number" || !Number.isInteger(data.generation) || data.generation < 1) return undefined;
    return data as EntryFields;
  } catch {
    return undefined;
  }
}

async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

async function mtime(file: string): Promise<number> {
  try {
    return (await lstat(file)).mtimeMs;
  } catch {
    return 0;
  }
}

/** Disk use of files and folders; hard links counted once (venvs and pip caches use them). */
export class Sizer {
  readonly #seen = new Set<string>();

  async size(p: string): Promise<number> {
    let info;
    try {
      info = await lstat(p);
    } catch {
      return 0;
    }
    const id = `${info.dev}:${info.ino}`;
    if (this.#seen.has(id)) return 0;
    this.#seen.add(id);
    if (!info.isDirectory()) return info.size;
    let total = 0;
    for (const name of await list(p)) total += await this.size(path.join(p, name));
    return total;
  }
}
