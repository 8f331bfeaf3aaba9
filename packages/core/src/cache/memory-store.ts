import { deepFreeze } from "../hash/freeze.js";
import type { CacheEntry, CacheKey } from "./types.js";

/** How long a checked entry is served without checking it again (the seal's lstat calls). */
export const MEMORY_RECHECK_MS = 1_000;

interface Slot {
  entry: CacheEntry;
  checkedAt: number;
}

/**
 * The first cache tier: a bounded map, least recently used entries dropped first. With a `check`
 * (the engine's: the artifact's seal), an entry last checked more than a second ago is checked
 * again before it is served, and dropped when the check fails: a damaged artifact is found within
 * a second, at the cost of a few lstat calls per entry per second, not per hit.
 */
export class MemoryStore {
  readonly name = "memory";
  readonly #entries = new Map<string, Slot>();

  constructor(
    readonly maxEntries = 10_000,
    readonly check?: (entry: CacheEntry) => boolean,
  ) {}

  static keyOf(key: CacheKey): string {
    return `${key.target}\0${key.hash}`;
  }

  get(key: CacheKey): CacheEntry | undefined {
    const k = MemoryStore.keyOf(key);
    const slot = this.#entries.get(k);
    if (slot === undefined) return undefined;
    if (this.check) {
      const now = Date.now();
      // Also when the clock went back: a stamp from the future would defer the check forever.
      if (now - slot.checkedAt > MEMORY_RECHECK_MS || now < slot.checkedAt) {
        if (!this.check(slot.entry)) {
          this.#entries.delete(k);
          return undefined;
        }
        slot.checkedAt = now;
      }
    }
    // Re-insert so iteration order is recency order and eviction drops the oldest.
    this.#entries.delete(k);
    this.#entries.set(k, slot);
    return slot.entry;
  }

  /** Entries are frozen: every caller of a key shares the object, so none may change it for the others. */
  put(entry: CacheEntry): void {
    deepFreeze(entry);
    const k = MemoryStore.keyOf(entry);
    this.#entries.delete(k);
    // Put right after a build or a checked read of the local store: checked now.
    this.#entries.set(k, { entry, checkedAt: Date.now() });
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  delete(key: CacheKey): void {
    this.#entries.delete(MemoryStore.keyOf(key));
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
