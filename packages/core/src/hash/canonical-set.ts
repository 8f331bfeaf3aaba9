/**
 * Canonical sets of strings for canonicalizers: sorted by UTF-16 code unit, deduplicated, frozen,
 * and with their canonical JSON text already known to the serializer (known-text.ts), so a set is
 * written once, by one native JSON.stringify of the sorted array (the same bytes the efh1 contract
 * names: strings escaped as JSON.stringify does, joined by commas, no whitespace).
 *
 * Nothing is remembered across calls. A per-string memory of ranks and texts (removed, issue #19)
 * made hashing a pool of definitions seen before faster, but a definition the process had never
 * seen paid a merge of every remembered string on each set: 90% of hashing it, growing with what
 * the process had seen. Users' definitions are new to the process far more often than not.
 *
 * The array returned is frozen (typed mutable only so it fits CanonicalValue).
 */
import { rememberText } from "./known-text.js";
import { sortedSet } from "./sorted-set.js";

const EMPTY: string[] = rememberText(Object.freeze([]) as unknown as string[], "[]");

export function canonicalSet(items: readonly string[]): string[] {
  if (items.length === 0) return EMPTY;
  // sortedSet never reorders its input: it sorts a copy. Written before it is frozen: V8's
  // JSON.stringify takes a slower path for an array with frozen elements.
  const set = sortedSet(items as string[]);
  const text = JSON.stringify(set);
  return rememberText(Object.freeze(set) as string[], text);
}
