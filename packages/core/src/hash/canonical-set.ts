/**
 * Canonical sets of strings for the hot path of hashing: sorted by UTF-16 code unit, deduplicated,
 * frozen, and with their canonical JSON text already known to the serializer.
 *
 * Hashing a long requirement list was mostly two costs that repeat across specs: ordering the
 * same strings again (a comparison sort of 400 lines makes ~3,500 string comparisons) and escaping
 * them again into JSON. Both are properties of a string alone, so they are remembered per string
 * (the "per-item work that repeats across specs may be memoized, bounded in memory"): each
 * member gets its JSON text and its rank among all remembered strings. Ordering a set is then
 * ordering small integers, and its text is a concatenation of remembered pieces.
 *
 * The array returned is frozen (typed mutable only so it fits CanonicalValue).
 *
 * Memory is bounded: past MAX_MEMBERS remembered strings the memory is dropped and refilled.
 */
import { rememberText } from "./known-text.js";

export const MAX_MEMBERS = 1 << 16;

interface Member {
  readonly value: string;
  readonly text: string;
  /** `,` + text: one piece instead of two when appended, so the rope hashed later is shorter. */
  readonly comma: string;
  rank: number;
}

let members = new Map<string, Member>();
/** Every remembered member in code-unit order; `rank` is the index here. */
let ordered: Member[] = [];

/** This call's ranks (reused: the hot path allocates only what it returns). */
let ranks = new Int32Array(256);
/** One bit per remembered member, all clear between calls. */
const seen = new Int32Array(MAX_MEMBERS >>> 5);

const EMPTY: string[] = rememberText(Object.freeze([]) as unknown as string[], "[]");

/** Below this size an insertion sort of the ranks beats scanning the bitmap. */
const SMALL = 24;

export function canonicalSet(items: readonly string[]): string[] {
  const n = items.length;
  if (n === 0) return EMPTY;
  if (ranks.length < n) ranks = new Int32Array(n * 2);
  if (!rankAll(items, n)) {
    const fresh = items.filter((s) => !members.has(s));
    if (members.size + fresh.length <= MAX_MEMBERS) admit(fresh);
    else {
      forgetAll();
      // One set larger than the whole memory: sorted the plain way, nothing remembered.
      if (n > MAX_MEMBERS) return Object.freeze([...new Set(items)].sort()) as string[];
      admit(items);
    }
    // Ranks moved: take them all again (every item is now remembered).
    rankAll(items, n);
  }
  return n < SMALL ? smallSet(n) : largeSet(n);
}

/** Fills `ranks` with the items' ranks; false as soon as one item is not remembered. */
function rankAll(items: readonly string[], n: number): boolean {
  for (let i = 0; i < n; i++) {
    const member = members.get(items[i]!);
    if (member === undefined) return false;
    ranks[i] = member.rank;
  }
  return true;
}

/** Insertion sort of a few integers, then the members in order, duplicates skipped. */
function smallSet(n: number): string[] {
  const r = ranks;
  for (let i = 1; i < n; i++) {
    const rank = r[i]!;
    let j = i - 1;
    while (j >= 0 && r[j]! > rank) {
      r[j + 1] = r[j]!;
      j--;
    }
    r[j + 1] = rank;
  }
  const out: string[] = [];
  let text = "[";
  let previous = -1;
  for (let i = 0; i < n; i++) {
    const rank = r[i]!;
    if (rank === previous) continue;
    const member = ordered[rank]!;
    text += previous === -1 ? member.text : member.comma;
    out.push(member.value);
    previous = rank;
  }
  return rememberText(Object.freeze(out) as string[], `${text}]`);
}

/**
 * A bit per rank, then one scan of the words in order: sorted and deduplicated in O(n + R/32),
 * R the number of remembered strings (at most 2,048 words).
 */
function largeSet(n: number): string[] {
  let last = 0;
  for (let i = 0; i < n; i++) {
    const rank = ranks[i]!;
    const word = rank >>> 5;
    seen[word]! |= 1 << (rank & 31);
    if (word > last) last = word;
  }
  const out = new Array<string>(n);
  let k = 0;
  // The text is hashed right after: a flat string (join) hashes at once, where a rope of hundreds
  // of pieces (+=) is flattened first, which costs more than the whole join.
  const texts = new Array<string>(n);
  for (let word = 0; word <= last; word++) {
    let bits = seen[word]!;
    if (bits === 0) continue;
    seen[word] = 0;
    while (bits !== 0) {
      const low = bits & -bits;
      const member = ordered[(word << 5) | (31 - Math.clz32(low))]!;
      out[k] = member.value;
      texts[k++] = member.text;
      bits ^= low;
    }
  }
  if (k < n) {
    out.length = k;
    texts.length = k;
  }
  return rememberText(Object.freeze(out) as string[], `[${texts.join(",")}]`);
}

function forgetAll(): void {
  members = new Map();
  ordered = [];
}

/** Merges new strings into the ordered members and renumbers: O(remembered), on a miss only. */
function admit(fresh: readonly string[]): void {
  const incoming = [...new Set(fresh)].sort().map((value): Member => {
    const text = JSON.stringify(value);
    // join, not `,${text}`: a flat string, where a template makes a two-piece rope.
    return { value, text, comma: [",", text].join(""), rank: 0 };
  });
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
