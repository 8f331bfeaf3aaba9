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
 * canonical set, see canonical-set.ts) is written as that text, keys are ordered by insertion,
 * and a string is escaped by JSON.stringify only when it holds something to escape.
 */
export function serializeCanonical(canonical: CanonicalSpec): string {
  return stringifySorted(canonical) as string;
}

function stringifySorted(node: unknown): string | undefined {
  if (typeof node === "string") return quote(node);
  if (typeof node !== "object" || node === null) {
    // Same as the reference for numbers (non-finite → null), booleans, null and non-JSON values.
    return typeof node === "number" ? (Number.isFinite(node) ? `${node}` : "null") : JSON.stringify(node);
  }
  if (typeof (node as { toJSON?: unknown }).toJSON === "function") return stableStringify(node); // not plain JSON: let the reference decide
  if (Array.isArray(node)) {
    // Only arrays have known texts (canonical sets).
    const known = knownText(node);
    if (known !== undefined) return known;
    let out = "[";
    for (let i = 0; i < node.length; i++) {
      if (i > 0) out += ",";
      out += stringifySorted(node[i]) ?? "null";
    }
    return `${out}]`;
  }
  const record = node as Record<string, unknown>;
  const keys = sortKeys(Object.keys(record));
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = stringifySorted(record[key]);
    if (value === undefined) continue;
    out += out.length > 1 ? `,${keyText(key)}${value}` : `${keyText(key)}${value}`;
  }
  return `${out}}`;
}

/**
 * Code-unit order, as Array.prototype.sort gives, by insertion: a canonical object has a handful
 * of keys, often already in order, and the built-in sort's fixed cost was most of serializing one.
 */
export function sortKeys(keys: string[]): string[] {
  if (keys.length > 16) return keys.sort(); // a large map (many variables): insertion would be quadratic
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
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

/** What JSON.stringify escapes: quote, backslash, control characters and (lone) surrogates. */
// eslint-disable-next-line no-control-regex -- the control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * A string's JSON text. Most canonical strings need no escape, and JSON.stringify's fixed cost on
 * a short string is twice a regular-expression test; anything that needs one goes to it.
 */
function quote(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

export function hashCanonicalText(text: string): Hash {
  return `${HASH_PREFIX}${cryptoHash("sha256", text, "hex")}`;
}

