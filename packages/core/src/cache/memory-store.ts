import { deepFreeze } from "../freeze.js";
import type { CacheEntry, CacheKey } from "./types.js";

/** The first cache tier: a bounded map, least recently used entries dropped first. */
export class MemoryStore {
  readonly name = "memory";
  readonly #entries = new Map<string, CacheEntry>();

  constructor(readonly maxEntries = 10_000) {}

  static keyOf(key: CacheKey): string {
    return `${key.target}\0${key.hash}`;
  }

  get(key: CacheKey): CacheEntry | undefined {
    const k = MemoryStore.keyOf(key);
    const entry = this.#entries.get(k);
    if (entry === undefined) return undefined;
    // Re-insert so iteration order is recency order and eviction drops the oldest.
    this.#entries.delete(k);
    this.#entries.set(k, entry);
    return entry;
  }

  /** Entries are frozen: every caller of a key shares the object, so none may change it for the others. */
  put(entry: CacheEntry): void {
    deepFreeze(entry);
    const k = MemoryStore.keyOf(entry);
    this.#entries.delete(k);
    this.#entries.set(k, entry);
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
