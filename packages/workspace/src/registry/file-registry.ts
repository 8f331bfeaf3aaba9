import { mkdir, open, rename, truncate } from "node:fs/promises";
import path from "node:path";
import { cacheIoError, EnvforgeError, createError, NotAFileError, readRegularFile, writeFailure } from "@envforge/core/plugin-kit";
import { properLockfile } from "../proper-lockfile.js";
import { recover, type Recovery } from "./recover.js";
import { StateRegistry } from "./state-registry.js";
import { applyOperation, type RegistryOperation, type RegistryState } from "./state.js";
import type { RegistryWarning } from "./types.js";
import { writeFileAtomic } from "../write-atomic.js";

export interface FileRegistryOptions {
  /** Problems the registry recovered from (a damaged snapshot, a cut-short journal line). */
  onWarning?: ((warning: RegistryWarning) => void) | undefined;
  /** How long to wait for another process's lock before giving up. Default 60 s. */
  lockTimeoutMs?: number | undefined;
  /** A lock not refreshed for this long belongs to a dead process and is taken over. Default 10 s. */
  staleMs?: number | undefined;
  /** Restart the journal from a checkpoint when it grows past this. Default 32 MiB. */
  maxJournalBytes?: number | undefined;
}

const SNAPSHOT = "registry.json";
const JOURNAL = "journal.jsonl";

/**
 * The embedded registry: a folder (by default `<cacheDir>/registry/`) shared safely by every
 * process on the machine.
 *
 * - `journal.jsonl` — every operation, one line each, appended and fsynced before anything else:
 *   an operation is committed once its line is on disk.
 * - `registry.json` — the state after the last operation (written atomically), for fast reads.
 * - `registry.lock` — writers hold it (proper-lockfile) while they read, plan and commit.
 *
 * Either file can rebuild the other's loss; when neither can, reads fail with `E_REGISTRY_CORRUPT`
 * rather than show an empty or partial registry, and `repair()` accepts the loss explicitly.
 */
export class FileRegistry extends StateRegistry {
  readonly dir: string;
  readonly #options: FileRegistryOptions;

  constructor(dir: string, options: FileRegistryOptions = {}) {
    super();
    this.dir = path.resolve(dir);
    this.#options = options;
  }

  /** The registry beside a cache: `<cacheDir>/registry/`. */
  static beside(cacheDir: string, options?: FileRegistryOptions): FileRegistry {
    return new FileRegistry(path.join(cacheDir, "registry"), options);
  }

  get snapshotPath(): string {
    return path.join(this.dir, SNAPSHOT);
  }

  get journalPath(): string {
    return path.join(this.dir, JOURNAL);
  }

  protected async read(): Promise<RegistryState> {
    const recovery = await this.#recover();
    if (recovery.lossy) throw this.#lossyError(recovery.lossy);
    // A cut-short last line may be another writer mid-append: only a writer (holding the lock) may
    // call it debris. Real damage is repaired under the lock, which re-reads and warns.
    if (recovery.snapshotDamaged || recovery.journalDamaged) return this.commit((state) => ({ result: () => state }));
    return recovery.state;
  }

  protected async commit<T>(
    plan: (state: RegistryState) => { operation?: RegistryOperation | undefined; result: (state: RegistryState) => T },
  ): Promise<T> {
    const release = await this.#lock();
    try {
      const recovery = await this.#recover();
      if (recovery.lossy) throw this.#lossyError(recovery.lossy);
      const state = recovery.state;
      await this.#repair(recovery);
      let writeSnapshot = recovery.snapshotBehind || recovery.snapshotDamaged;
      const { operation, result } = plan(state);
      if (operation) {
        this.#stillHeld();
        const seq = state.seq + 1;
        await this.#append({ seq, at: new Date().toISOString(), operation });
        applyOperation(state, operation);
        state.seq = seq;
        writeSnapshot = true;
      }
      if (writeSnapshot) await writeFileAtomic(this.snapshotPath, JSON.stringify(state));
      if (recovery.journal.validBytes > (this.#options.maxJournalBytes ?? 32 * 1024 * 1024)) await this.#restartJournal(state, "grown");
      return result(state);
    } finally {
      await release().catch(() => undefined);
    }
  }

  /**
   * Rebuilds the registry from whatever can still be read, accepting the loss `read()` refuses to
   * hide. The damaged files are kept beside it for inspection. Returns what was lost.
   */
  async repair(): Promise<{ lost?: string | undefined }> {
    const release = await this.#lock();
    try {
      const recovery = await this.#recover();
      if (recovery.lossy) {
        this.#warn({ code: "E_REGISTRY_CORRUPT", message: `registry repaired with loss: ${recovery.lossy}`, hint: `the damaged files are kept in ${this.dir}` });
        await this.#keepAside(this.snapshotPath);
        await this.#restartJournal(recovery.state, "damaged");
        await writeFileAtomic(this.snapshotPath, JSON.stringify(recovery.state));
      } else {
        await this.#repair(recovery);
        await writeFileAtomic(this.snapshotPath, JSON.stringify(recovery.state));
      }
      return { lost: recovery.lossy };
    } finally {
      await release().catch(() => undefined);
    }
  }

  async #recover(): Promise<Recovery> {
    const [snapshot, journal] = await Promise.all([readOrUndefined(this.snapshotPath), readOrUndefined(this.journalPath)]);
    return recover(snapshot, journal ?? "");
  }

  /** Under the lock: sets aside and reports what recovery found damaged (the caller rewrites the snapshot). */
  async #repair(recovery: Recovery): Promise<void> {
    if (recovery.snapshotDamaged) {
      const kept = await this.#keepAside(this.snapshotPath);
      this.#warn({
        code: "E_REGISTRY_CORRUPT",
        message: `the registry snapshot ${this.snapshotPath} was damaged (cut short by a crash?); rebuilt from the journal with ${countVersions(recovery.state)} versions`,
        hint: `nothing was lost; the damaged file is kept as ${kept}`,
      });
    }
    if (recovery.journalDamaged) {
      this.#warn({
        code: "E_REGISTRY_CORRUPT",
        message: `the registry journal ${this.journalPath} is damaged at line ${recovery.journal.damagedLine}; restarted it from the intact snapshot`,
        hint: "nothing was lost; the damaged journal is kept beside it",
      });
      await this.#restartJournal(recovery.state, "damaged");
    } else if (recovery.journal.lines.length === 0 && recovery.state.seq > 0) {
      // The journal is gone (deleted by hand?): restart it from the snapshot, so that the snapshot
      // can be rebuilt from it again should it be damaged later.
      if (recovery.journal.partialTail) await truncate(this.journalPath, 0);
      await this.#restartJournal(recovery.state, "grown");
    } else if (recovery.journal.partialTail) {
      // Holding the lock, no one is mid-append: this is a line a crash cut short, never committed.
      this.#warn({
        code: "E_REGISTRY_CORRUPT",
        message: `dropped an incomplete last line of ${this.journalPath} (a registration interrupted before it was committed)`,
        hint: "that registration did not happen; run it again if it is still wanted",
      });
      await truncate(this.journalPath, recovery.journal.validBytes);
    }
  }

  /** Starts a fresh journal whose first line is the whole state, keeping the old one aside. */
  async #restartJournal(state: RegistryState, why: "damaged" | "grown"): Promise<void> {
    const line = `${JSON.stringify({ seq: state.seq, at: new Date().toISOString(), checkpoint: state })}\n`;
    const fresh = `${this.journalPath}.new`;
    await writeFileAtomic(fresh, line);
    if (why === "damaged") await this.#keepAside(this.journalPath);
    await rename(fresh, this.journalPath);
  }

  async #keepAside(file: string): Promise<string> {
    const aside = `${file}.damaged-${Date.now()}`;
    await rename(file, aside).catch(() => undefined);
    return aside;
  }

  async #append(line: object): Promise<void> {
    const handle = await open(this.journalPath, "a");
    try {
      await handle.write(`${JSON.stringify(line)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  #lost: Error | undefined;

  /**
   * A holder that stalls past `staleMs` can have its lock taken over; it must then not write, or
   * two writers would both append the same operation number. proper-lockfile reports the loss.
   */
  #stillHeld(): void {
    if (!this.#lost) return;
    const cause = this.#lost;
    this.#lost = undefined;
    throw createError("E_TIMEOUT", `lost the lock of the registry ${this.dir} while holding it (this process stalled): nothing was written`, {
      hint: "retry the operation",
      cause,
    });
  }

  async #lock(): Promise<() => Promise<void>> {
    // A read-only cache (EROFS, EACCES) is an E_CACHE_IO naming it: a build's registration skips it.
    const unlockable = (cause: unknown) => cacheIoError(writeFailure(cause, this.dir), `lock the registry ${this.dir}`);
    await mkdir(this.dir, { recursive: true }).catch((cause: unknown) => {
      throw unlockable(cause);
    });
    const stale = this.#options.staleMs ?? 10_000;
    const deadline = Date.now() + (this.#options.lockTimeoutMs ?? 60_000);
    for (;;) {
      try {
        const release = await (await properLockfile()).lock(path.join(this.dir, "registry"), {
          realpath: false,
          stale,
          update: Math.max(1000, Math.floor(stale / 3)),
          onCompromised: (error) => {
            this.#lost = error;
          },
        });
        this.#lost = undefined;
        return release;
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code !== "ELOCKED") throw unlockable(cause);
        if (Date.now() > deadline) {
          throw createError("E_TIMEOUT", `the registry ${this.dir} stayed locked by another process`, {
            hint: "another envforge process is writing to it; retry, or remove registry.lock if no envforge process is running",
            cause,
          });
        }
        await new Promise((r) => setTimeout(r, 10 + Math.random() * 40));
      }
    }
  }

  #lossyError(why: string): EnvforgeError {
    return createError("E_REGISTRY_CORRUPT", `the registry in ${this.dir} is damaged: ${why}`, {
      hint: "nothing was changed; repair it (accepting the loss) with `envforge registry repair` / FileRegistry.repair(), or restore registry.json from a backup",
    });
  }

  #warn(warning: RegistryWarning): void {
    this.#options.onWarning?.(warning);
  }
}

async function readOrUndefined(file: string): Promise<string | undefined> {
  try {
    return (await readRegularFile(file)).bytes!.toString("utf8");
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    // Never opened: a FIFO there would block every command that reads the registry.
    if (cause instanceof NotAFileError) {
      throw createError("E_REGISTRY_CORRUPT", `the registry file ${cause.message}`, { hint: `remove it; the registry rebuilds it from its other file (${SNAPSHOT} or ${JOURNAL})`, cause });
    }
    throw createError("E_CACHE_IO", `cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
}

function countVersions(state: RegistryState): number {
  return Object.values(state.environments).reduce((n, env) => n + env.versions.length, 0);
}
