import { hash as cryptoHash } from "node:crypto";
import stableStringify from "fast-json-stable-stringify";
import { HASH_PREFIX } from "./hash-format.js";
import { knownText } from "./known-text.js";
import type { CanonicalSpec, Hash } from "./spec.js";

export { HASH_PREFIX, hashHex, isHash, shortHash } from "./hash-format.js";

/**
 * The canonical bytes: JSON with object keys sorted (arrays keep the order canonicalizers gave
 * them: sets arrive sorted, sequences as written), no whitespace. Frozen by the efh1 contract,
 * which names fast-json-stable-stringify's output; this produces the same bytes (property tests
 * compare the two on arbitrary JSON) faster: a frozen value whose text is already known (a
 * canonical set, see canonical-set.ts) is written as that text, and an array of strings — most of
 * a definition — in one native JSON.stringify.
 */
export function serializeCanonical(canonical: CanonicalSpec): string {
  return stringifySorted(canonical) as string;
}

function stringifySorted(node: unknown): string | undefined {
  if (typeof node === "string") return JSON.stringify(node);
  if (typeof node !== "object" || node === null) {
    // Same as the reference for numbers (non-finite → null), booleans, null and non-JSON values.
    return typeof node === "number" ? (Number.isFinite(node) ? `${node}` : "null") : JSON.stringify(node);
  }
  const known = knownText(node);
  if (known !== undefined) return known;
  if (typeof (node as { toJSON?: unknown }).toJSON === "function") return stableStringify(node); // not plain JSON: let the reference decide
  if (Array.isArray(node)) {
    if (allStrings(node)) return JSON.stringify(node);
    let out = "[";
    for (let i = 0; i < node.length; i++) {
      if (i > 0) out += ",";
      out += stringifySorted(node[i]) ?? "null";
    }
    return `${out}]`;
  }
  const record = node as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length > 1) keys.sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = stringifySorted(record[key]);
    if (value === undefined) continue;
    out += out.length > 1 ? `,${keyText(key)}${value}` : `${keyText(key)}${value}`;
  }
  return `${out}}`;
}

/** Object keys recur in every definition ("dependencies", "steps"): their JSON is remembered, bounded. */
const keyTexts = new Map<string, string>();

function keyText(key: string): string {
  let text = keyTexts.get(key);
  if (text === undefined) {
    text = `${JSON.stringify(key)}:`;
    if (keyTexts.size < 4096) keyTexts.set(key, text);
  }
  return text;
}

function allStrings(items: unknown[]): boolean {
  for (let i = 0; i < items.length; i++) if (typeof items[i] !== "string") return false;
  return true;
}

export function hashCanonicalText(text: string): Hash {
  return `${HASH_PREFIX}${cryptoHash("sha256", text, "hex")}`;
}

