import { mkdir, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { hashHex } from "../hash/hash-format.js";
import { createError } from "../errors/factories.js";
import { NotAFileError, readRegularFile } from "../files/regular-file.js";
import { writeFileDurable } from "./atomic-write.js";
import { parseEntry } from "./entry-schema.js";
import { entryFile, LAYOUT, readEntryFile, TARGET_NAME, type LocalMiss } from "./read-entry.js";
import { cacheIoError } from "./io-error.js";
import { acquireLock, type HeldLock, type LockOptions } from "./lock.js";
import { writeFailure } from "./read-only.js";
import { checkedEntry, checkSeal } from "./seal.js";
import type { CacheEntry, CacheKey } from "./types.js";

export type { LocalMiss } from "./read-entry.js";

/** How long a build lock may go unrefreshed before another machine's waiter takes it over. */
export const DEFAULT_LOCK_STALE_MS = 15_000;

/**
 * The embedded cache on local disk; no server. Layout under `<root>/v1/`:
 *
 * - `entries/<target>/<hex>.json` — the current entry (the marker: written last, atomically)
 * - `generations/<target>/<hex>/<n>.json` — entries replaced by a rebuild, still reachable
 * - `artifacts/<target>/<hex>.<n>/` — what generation n built (a venv, a jar folder…)
 * - `logs/<target>/<hex>.<n>.log`, `manifests/<target>/<hex>.<n>.txt` (its files, for `cache verify`), `locks/`, `tmp/`
 *
 * An artifact folder without an entry file is debris from a failed or killed build, never a hit.
 */
export class LocalStore {
  readonly name = "local";
  readonly root: string;
  /** Reads only: an entry older than seals is checked but not sealed (a dry run writes nothing). */
  readonly readOnly: boolean;

  constructor(cacheDir: string, options: { readOnly?: boolean | undefined } = {}) {
    this.root = path.join(path.resolve(cacheDir), LAYOUT);
    this.readOnly = options.readOnly ?? false;
  }

  #safeTarget(target: string): string {
    if (!TARGET_NAME.test(target)) {
      throw createError("E_INVALID_VALUE", `invalid target name "${target}"`, {
        hint: "target names are letters, digits, '.', '_' and '-'",
      });
    }
    return target;
  }

  entryPath(key: CacheKey): string {
    return entryFile(this.root, { hash: key.hash, target: this.#safeTarget(key.target) });
  }

  generationPath(key: CacheKey, generation: number): string {
    return path.join(this.root, "generations", this.#safeTarget(key.target), hashHex(key.hash), `${generation}.json`);
  }

  artifactDir(key: CacheKey, generation: number): string {
    return path.join(this.root, "artifacts", this.#safeTarget(key.target), `${hashHex(key.hash)}.${generation}`);
  }

  logPath(key: CacheKey, generation: number): string {
    return path.join(this.root, "logs", this.#safeTarget(key.target), `${hashHex(key.hash)}.${generation}.log`);
  }

  /** Scratch space of one build: named by key and generation, so a killed build's is found again. */
  workDir(key: CacheKey, generation: number): string {
    return path.join(this.tmpDir(), `build-${this.#safeTarget(key.target)}-${hashHex(key.hash)}.${generation}`);
  }

  tmpDir(): string {
    return path.join(this.root, "tmp");
  }

  /** The file list of generation n's artifact at build time, read by `cache verify` (content-digest.ts). */
  manifestPath(key: CacheKey, generation: number): string {
    return path.join(this.root, "manifests", this.#safeTarget(key.target), `${hashHex(key.hash)}.${generation}.txt`);
  }

  /**
   * Reads the current entry. A missing file is a plain miss; a broken one, or one whose artifact
   * fails its seal (seal.ts), is a miss with a reason. An entry older than seals is sealed now.
   */
  async get(key: CacheKey): Promise<{ entry?: CacheEntry; miss?: LocalMiss }> {
    const file = this.entryPath(key);
    const read = readEntryFile(file, key);
    if (read.entry && this.readOnly) {
      const verdict = checkSeal(read.entry, this.root);
      return verdict.corrupt === undefined ? read : { miss: { corrupt: `cache entry ${file} fails its seal: ${verdict.corrupt}` } };
    }
    return read.entry ? checkedEntry(file, read.entry, this.root) : read;
  }

  /** Writes the entry file last, atomically and durably (temp file + fdatasync + rename). */
  async put(entry: CacheEntry): Promise<void> {
    const file = this.entryPath(entry);
    try {
      // writeFileDurable creates missing folders itself (one fewer thread-pool trip per put).
      const previous = await this.get(entry);
      if (previous.entry && previous.entry.generation !== entry.generation) {
        // Keep the replaced generation reachable: a rebuild never overwrites in place.
        const old = this.generationPath(entry, previous.entry.generation);
        await writeFileDurable(old, JSON.stringify(previous.entry));
      }
      await writeFileDurable(file, `${JSON.stringify(entry, null, 2)}\n`);
    } catch (cause) {
      // The temp file is removed: the previous entry (if any) is still the current one.
      throw cacheIoError(cause, `write the cache entry ${file}`);
    }
  }

  /**
   * Generation n's entry, checked as a hit is (its file, its artifact present, its seal): the
   * current entry when n is current, else the replaced one kept under `generations/`. Never
   * written to (an unsealed old generation is checked, not sealed).
   */
  async getGeneration(key: CacheKey, generation: number): Promise<{ entry?: CacheEntry; miss?: LocalMiss }> {
    const current = await this.get(key);
    if (current.entry?.generation === generation) return current;
    const file = this.generationPath(key, generation);
    const read = readEntryFile(file, key);
    if (!read.entry) return read;
    if (read.entry.generation !== generation) return { miss: { corrupt: `${file} holds generation ${read.entry.generation}` } };
    const verdict = checkSeal(read.entry, this.root);
    return verdict.corrupt === undefined ? read : { miss: { corrupt: `${file} fails its seal: ${verdict.corrupt}` } };
  }

  /** Numbers of the replaced generations whose entry files are kept (`generations/`), ascending. */
  async replacedGenerations(key: CacheKey): Promise<number[]> {
    try {
      const names = await readdir(path.dirname(this.generationPath(key, 1)));
      return names
        .map((name) => /^(\d+)\.json$/.exec(name)?.[1])
        .filter((n): n is string => n !== undefined)
        .map(Number)
        .sort((a, b) => a - b);
    } catch {
      return [];
    }
  }

  /**
   * Makes `entry` (a replaced generation of its key, read by `getGeneration`) the current entry.
   * Nothing is lost: the current entry file is kept as its generation first — even one whose
   * artifact is damaged — then the entry file is replaced atomically (temp file + rename), and
   * the promoted generation's own file goes last (until then both name it: a reader takes the
   * current one). The caller holds the key's build lock, so no build writes meanwhile.
   */
  async promote(entry: CacheEntry): Promise<void> {
    const file = this.entryPath(entry);
    try {
      const current = await readRegularFile(file).then(
        (read) => parseEntry(read.bytes!.toString("utf8")),
        () => undefined,
      );
      if (current && current.generation !== entry.generation && current.hash === entry.hash && current.target === entry.target) {
        await writeFileDurable(this.generationPath(entry, current.generation), JSON.stringify(current));
      }
      await writeFileDurable(file, `${JSON.stringify(entry, null, 2)}\n`);
      await rm(this.generationPath(entry, entry.generation), { force: true });
    } catch (cause) {
      throw cacheIoError(cause, `promote generation ${entry.generation} to ${file}`);
    }
  }

  /** The generation a new build of `key` gets: one past every generation seen so far. */
  async nextGeneration(key: CacheKey): Promise<number> {
    let max = 0;
    const current = await this.get(key);
    if (current.entry) max = current.entry.generation;
    try {
      for (const name of await readdir(path.dirname(this.generationPath(key, 1)))) {
        const n = Number.parseInt(name, 10);
        if (Number.isFinite(n)) max = Math.max(max, n);
      }
    } catch {
      // no older generations
    }
    return max + 1;
  }

  /**
   * Every current entry (all targets). Corrupt files are skipped, and named to `onSkip` (why: "is a
   * FIFO, not a file", "is corrupt or incomplete"); a FIFO or device is never opened for reading.
   */
  async list(onSkip?: (file: string, why: string) => void): Promise<CacheEntry[]> {
    const out: CacheEntry[] = [];
    const base = path.join(this.root, "entries");
    let targets: string[];
    try {
      targets = await readdir(base);
    } catch {
      return out;
    }
    for (const target of targets.sort()) {
      for (const name of (await readdir(path.join(base, target))).sort()) {
        if (!name.endsWith(".json")) continue;
        const file = path.join(base, target, name);
        let why = "is corrupt or incomplete";
        const entry = await readRegularFile(file).then(
          (read) => parseEntry(read.bytes!.toString("utf8")),
          (cause: unknown) => {
            why = cause instanceof NotAFileError ? `is ${cause.kind}, not a file` : `cannot be read: ${(cause as Error).message}`;
            return (cause as NodeJS.ErrnoException).code === "ENOENT" ? null : undefined; // removed meanwhile: not corrupt
          },
        );
        if (entry) out.push(entry);
        else if (entry === undefined) onSkip?.(file, why);
      }
    }
    return out;
  }

  /** Removes what a failed build left (artifact folder, log stays for the user to read). */
  async discard(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch((cause: unknown) => {
      throw cacheIoError(cause, `remove ${dir}`);
    });
  }

  /** Moves a corrupt entry aside so it stops warning, keeping it for inspection. */
  async quarantine(key: CacheKey): Promise<void> {
    const file = this.entryPath(key);
    await rename(file, `${file}.corrupt-${Date.now()}`).catch(() => undefined);
  }

  /**
   * A lock across processes for one key, so N processes asking for the same hash build it once.
   * A holder that died is taken over: at once when it ran on this machine, else after `staleMs`.
   */
  async lock(key: CacheKey, signal?: AbortSignal, options: Pick<LockOptions, "onLost" | "onWait"> & { staleMs?: number | undefined } = {}): Promise<HeldLock> {
    const dir = path.join(this.root, "locks");
    const file = path.join(dir, `${this.#safeTarget(key.target)}-${hashHex(key.hash)}`);
    try {
      await mkdir(dir, { recursive: true });
      return await acquireLock(file, { staleMs: options.staleMs ?? DEFAULT_LOCK_STALE_MS, signal, onLost: options.onLost, onWait: options.onWait });
    } catch (cause) {
      if (signal?.aborted && cause === signal.reason) throw cause;
      // The first write of a miss: on a read-only cache, name EROFS (mkdir -p reports ENOENT there).
      throw cacheIoError(writeFailure(cause, this.root), `lock ${file}`);
    }
  }
}
