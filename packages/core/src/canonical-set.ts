/**
 * Canonical sets of strings for the hot path of hashing: sorted by UTF-16 code unit, deduplicated,
 * frozen, and with their canonical JSON text already known to the serializer.
 *
 * Hashing a long requirement list was mostly two costs that repeat across specs: ordering the
 * same strings again (a comparison sort of 400 lines makes ~3,500 string comparisons) and escaping
 * them again into JSON. Both are properties of a string alone, so they are remembered per string
 * (the "per-item work that repeats across specs may be memoized, bounded in memory"): each
 * member gets its JSON text and its rank among all remembered strings. Ordering a set is then a
 * radix sort of small integers, and its text is a concatenation of remembered pieces.
 *
 * The array returned is frozen (typed mutable only so it fits CanonicalValue).
 *
 * Memory is bounded: past MAX_MEMBERS remembered strings the memory is dropped and refilled.
 */
import { rememberText } from "./known-text.js";
import { radixPass } from "./radix.js";

export const MAX_MEMBERS = 1 << 16;

interface Member {
  readonly value: string;
  readonly text: string;
  rank: number;
}

let members = new Map<string, Member>();
/** Every remembered member in code-unit order; `rank` is the index here. */
let ordered: Member[] = [];

let ranks = new Uint32Array(256);
let order = new Uint32Array(256);
let spare = new Uint32Array(256);

const EMPTY: string[] = rememberText(Object.freeze([]) as unknown as string[], "[]");

export function canonicalSet(items: readonly string[]): string[] {
  const n = items.length;
  if (n === 0) return EMPTY;
  let found = new Array<Member>(n);
  let fresh: string[] | undefined;
  for (let i = 0; i < n; i++) {
    const member = members.get(items[i]!);
    if (member === undefined) (fresh ??= []).push(items[i]!);
    else found[i] = member;
  }
  if (fresh !== undefined) {
    if (members.size + fresh.length > MAX_MEMBERS) forgetAll();
    admit(fresh);
    // Ranks moved: take every member again (the admitted ones are now known).
    found = items.map((s) => members.get(s)!);
  }
  const sorted = sortByRank(found);
  const out: string[] = [];
  // The text is hashed right after: a flat string (join) hashes at once, where a rope of hundreds
  // of pieces (+=) is flattened first, which cost more than the whole join. Small sets: +=.
  const texts: string[] | undefined = n >= 32 ? [] : undefined;
  let text = "[";
  let previous: Member | undefined;
  for (let i = 0; i < n; i++) {
    const member = sorted[i]!;
    if (member === previous) continue;
    if (texts) texts.push(member.text);
    else text += previous === undefined ? member.text : `,${member.text}`;
    out.push(member.value);
    previous = member;
  }
  Object.freeze(out);
  return rememberText(out, texts ? `[${texts.join(",")}]` : `${text}]`);
}

function forgetAll(): void {
  members = new Map();
  ordered = [];
}

/** Merges new strings into the ordered members and renumbers: O(remembered), on a miss only. */
function admit(fresh: string[]): void {
  const incoming = [...new Set(fresh)].sort().map((value): Member => ({ value, text: JSON.stringify(value), rank: 0 }));
  const merged = new Array<Member>(ordered.length + incoming.length);
  let a = 0;
  let b = 0;
  for (let k = 0; k < merged.length; k++) {
    const takeOld = b >= incoming.length || (a < ordered.length && ordered[a]!.value < incoming[b]!.value);
    const member = takeOld ? ordered[a++]! : incoming[b++]!;
    member.rank = k;
    merged[k] = member;
  }
  for (const member of incoming) members.set(member.value, member);
  ordered = merged;
}

/**
 * The members in rank order (duplicates adjacent): insertion sort for small sets, else an LSD
 * radix sort of the ranks, a byte per pass, as many passes as the ranks need.
 */
function sortByRank(found: Member[]): Member[] {
  const n = found.length;
  if (n < 32) {
    // Small sets: an insertion sort on integers beats the radix passes' fixed cost. `found` is
    // this call's own array: sorted in place.
    const out = found;
    for (let i = 1; i < n; i++) {
      const member = out[i]!;
      let j = i - 1;
      while (j >= 0 && out[j]!.rank > member.rank) {
        out[j + 1] = out[j]!;
        j--;
      }
      out[j + 1] = member;
    }
    return out;
  }
  if (ranks.length < n) {
    ranks = new Uint32Array(n * 2);
    order = new Uint32Array(n * 2);
    spare = new Uint32Array(n * 2);
  }
  let from = order;
  let to = spare;
  for (let i = 0; i < n; i++) {
    ranks[i] = found[i]!.rank;
    from[i] = i;
  }
  for (let shift = 0; shift < 32 && ordered.length >>> shift > 0; shift += 8) {
    if (!radixPass(ranks, shift, from, to, n)) continue;
    const t = from;
    from = to;
    to = t;
  }
  const out = new Array<Member>(n);
  for (let i = 0; i < n; i++) out[i] = found[from[i]!]!;
  return out;
}
