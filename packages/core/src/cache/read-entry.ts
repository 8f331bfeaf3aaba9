import { statSync } from "node:fs";
import path from "node:path";
import { hashHex } from "../hash/hash-format.js";
import { NotAFileError, readRegularFileSync } from "../files/regular-file.js";
import { parseEntry } from "./entry-schema.js";
import type { CacheEntry, CacheKey } from "./types.js";

/** Why a lookup missed in a way the user should hear about. */
export interface LocalMiss {
  corrupt?: string | undefined;
}

/** The layout folder under a cache directory (`<cacheDir>/v1`). */
export const LAYOUT = "v1";

export const TARGET_NAME = /^[a-z0-9][a-z0-9._-]*$/i;

/** `<root>/entries/<target>/<hex>.json`; the target is checked by the caller. */
export function entryFile(root: string, key: CacheKey): string {
  return path.join(root, "entries", key.target, `${hashHex(key.hash)}.json`);
}

/**
 * Reads the current entry of `key` from its file. A missing file is a plain miss; a broken one, or
 * one whose artifact folder is gone, a miss with a reason. Synchronous on purpose: an entry is a
 * small local file, read in ~5 µs, where fs/promises takes ~50 µs in thread-pool round trips
 * (open, fstat, read, close) — most of a cache hit's cost. Shared by the local store and the
 * fresh-process fast path (`@envforge/core/quick`), so both accept exactly the same entries.
 */
export function readEntryFile(file: string, key: CacheKey): { entry?: CacheEntry; miss?: LocalMiss } {
  let text: string;
  try {
    // A FIFO in entries/ would block open() for good: only a regular file is read.
    text = readRegularFileSync(file, "utf8");
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return { miss: {} };
    if (cause instanceof NotAFileError) return { miss: { corrupt: `cache entry ${cause.message}` } };
    return { miss: { corrupt: `cannot read ${file}: ${(cause as Error).message}` } };
  }
  const entry = parseEntry(text);
  if (!entry || entry.hash !== key.hash || entry.target !== key.target) {
    return { miss: { corrupt: `cache entry ${file} is corrupt or incomplete` } };
  }
  if (entry.artifact.path !== undefined) {
    let found: unknown;
    try {
      found = statSync(entry.artifact.path, { throwIfNoEntry: false });
    } catch {
      found = undefined;
    }
    if (found === undefined) return { miss: { corrupt: `cache entry ${file} points at ${entry.artifact.path}, which is gone` } };
  }
  return { entry };
}

/**
 * The generation the current entry file of `key` names, or undefined when there is none (or it
 * cannot be read). The memory tier asks this when it re-checks an entry (at most once a second):
 * another process's rebuild or `cache generations --promote` changed the current entry, and this
 * process must stop serving the one it remembers.
 */
export function currentGenerationOnDisk(root: string, key: CacheKey): number | undefined {
  try {
    const data = JSON.parse(readRegularFileSync(entryFile(root, key), "utf8")) as { generation?: unknown; hash?: unknown; target?: unknown };
    return data.hash === key.hash && data.target === key.target && typeof data.generation === "number" ? data.generation : undefined;
  } catch {
    return undefined;
  }
}
