import type { Hash } from "../definition/spec.js";

/**
 * The shape of an efh1 hash, apart from how it is computed (canonical.ts): lean, for the modules
 * the quick path loads (entry reader, source memo) as much as for the engine.
 */
export const HASH_PREFIX = "efh1:";

export function isHash(value: string): value is Hash {
  return /^efh1:[0-9a-f]{64}$/.test(value);
}

/** The short form used in tags and folder names. */
export function shortHash(hash: Hash): string {
  return hash.slice(HASH_PREFIX.length, HASH_PREFIX.length + 12);
}

export function hashHex(hash: Hash): string {
  return hash.slice(HASH_PREFIX.length);
}
