import { hash as cryptoHash } from "node:crypto";
import stableStringify from "fast-json-stable-stringify";
import { HASH_PREFIX } from "./hash-format.js";
import { knownText } from "./known-text.js";
import { insertionSort } from "./sorted-set.js";
import type { CanonicalSpec, Hash } from "../definition/spec.js";

export { HASH_PREFIX, hashHex, isHash, shortHash } from "./hash-format.js";

/**
 * The canonical bytes: JSON with object keys sorted (arrays keep the order canonicalizers gave
 * them: sets arrive sorted, sequences as written), no whitespace. Frozen by the efh1 contract,
 * which names fast-json-stable-stringify's output; this produces the same bytes (property tests
 * compare the two on arbitrary JSON) faster: a frozen value whose text is already known (a
 * canonical set, see canonical-set.ts) is written as that text, and keys are ordered by insertion.
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
    const text = keyText(key);
    out += out.length > 1 ? text.next : text.first;
    out += value;
  }
  return `${out}}`;
}

/**
 * Code-unit order, as Array.prototype.sort gives, by insertion: a canonical object has a handful
 * of keys, often already in order, and the built-in sort's fixed cost was most of serializing one.
 */
export function sortKeys(keys: string[]): string[] {
  if (keys.length > 16) return keys.sort(); // a large map (many variables): insertion would be quadratic
  return insertionSort(keys);
}

/**
 * Object keys recur in every definition ("dependencies", "steps"): their JSON is remembered,
 * bounded, as flat strings with the colon, and with the comma for every key but the first, so
 * that each key adds one piece to the rope that is hashed next.
 */
interface KeyText {
  readonly first: string;
  readonly next: string;
}
const keyTexts = new Map<string, KeyText>();

function keyText(key: string): KeyText {
  let text = keyTexts.get(key);
  if (text === undefined) {
    const json = JSON.stringify(key);
    text = { first: [json, ":"].join(""), next: [",", json, ":"].join("") };
    if (keyTexts.size < 4096) keyTexts.set(key, text);
  }
  return text;
}

/**
 * A string's JSON text. Not remembered per string (issue #19): on a definition the process has
 * never seen, a lookup and an insert per string cost more than JSON.stringify itself.
 */
function quote(value: string): string {
  return JSON.stringify(value);
}

export function hashCanonicalText(text: string): Hash {
  return `${HASH_PREFIX}${cryptoHash("sha256", text, "hex")}`;
}

