import { hash as cryptoHash } from "node:crypto";
import stableStringify from "fast-json-stable-stringify";
import type { CanonicalSpec, Hash } from "./spec.js";

export const HASH_PREFIX = "efh1:";

/**
 * The canonical bytes: JSON with object keys sorted (arrays keep the order canonicalizers gave
 * them: sets arrive sorted, sequences as written), no whitespace. Frozen by the efh1 contract.
 */
export function serializeCanonical(canonical: CanonicalSpec): string {
  return stableStringify(canonical);
}

export function hashCanonicalText(text: string): Hash {
  return `${HASH_PREFIX}${cryptoHash("sha256", text, "hex")}`;
}

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
