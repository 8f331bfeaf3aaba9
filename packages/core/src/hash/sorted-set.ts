/**
 * Canonical sets of strings for canonicalizers: deduplicated and sorted by UTF-16 code unit, the
 * order `Array.prototype.sort()` gives and the efh1 contract uses (locale-independent).
 *
 * Sorting is most of the cost of hashing a long requirement list: a comparison sort of 400
 * strings makes ~3,500 string comparisons. Above a few dozen items this sorts by the first eight
 * code units with a radix sort (no comparisons), then orders the few items sharing those eight
 * with ordinary comparisons. A short set (a typical definition's) is sorted by insertion on its
 * first six code units packed into one number, compared as numbers, and compares the strings
 * only where those are equal: a string comparison is a call into V8's runtime, a number's is one
 * instruction (2.4x faster on 20 requirements). Any code unit above 0xFF falls back to ordinary
 * comparisons.
 */

const SMALL = 48;
const PREFIX = 8;
/** Code units in a short set's numeric key: six bytes stay exact in a double (48 of its 53 bits). */
const KEY_UNITS = 6;
let shortKeys = new Float64Array(SMALL);
let hiKeys = new Uint32Array(256);
let loKeys = new Uint32Array(256);
let order = new Uint32Array(256);
let spare = new Uint32Array(256);
const counts = new Uint32Array(256);

export function sortedSet(items: Iterable<string>): string[] {
  const list = Array.isArray(items) ? (items as string[]) : [...items];
  const n = list.length;
  if (n < SMALL) return dedupeSorted(keyedInsertionSort(list.slice()));
  if (hiKeys.length < n) {
    const size = n * 2;
    hiKeys = new Uint32Array(size);
    loKeys = new Uint32Array(size);
    order = new Uint32Array(size);
    spare = new Uint32Array(size);
  }
  const hi = hiKeys;
  const lo = loKeys;
  for (let i = 0; i < n; i++) {
    const s = list[i]!;
    let h = 0;
    let l = 0;
    for (let k = 0; k < PREFIX; k++) {
      // Missing positions count as 0: ties (including "a" vs "a\0") are settled by full comparison below.
      const c = k < s.length ? s.charCodeAt(k) : 0;
      if (c > 0xff) return dedupeSorted(list.slice().sort());
      if (k < 4) h = (h << 8) | c;
      else l = (l << 8) | c;
    }
    hi[i] = h >>> 0;
    lo[i] = l >>> 0;
  }
  let from = order;
  let to = spare;
  for (let i = 0; i < n; i++) from[i] = i;
  // LSD radix: least significant byte of the prefix first, each pass stable.
  for (let pass = 0; pass < PREFIX; pass++) {
    const keys = pass < 4 ? lo : hi;
    const shift = (pass % 4) * 8;
    if (!radixPass(keys, shift, from, to, n)) continue; // every item has the same byte here
    const t = from;
    from = to;
    to = t;
  }
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = list[from[i]!]!;
  let start = 0;
  for (let i = 1; i <= n; i++) {
    if (i < n && hi[from[i]!] === hi[from[start]!] && lo[from[i]!] === lo[from[start]!]) continue;
    if (i - start > 1) sortRange(out, start, i);
    start = i;
  }
  return dedupeSorted(out);
}

/**
 * Sorts `list` (or its items [start, end)) in place in code-unit order, as Array.prototype.sort
 * does, by insertion: on a couple of dozen strings (a short set, a canonical object's keys, a
 * radix tie) the built-in sort's fixed cost is most of the work. Quadratic: callers keep it to
 * short runs.
 */
export function insertionSort(list: string[], start = 0, end = list.length): string[] {
  for (let i = start + 1; i < end; i++) {
    const v = list[i]!;
    let j = i - 1;
    while (j >= start && list[j]! > v) {
      list[j + 1] = list[j]!;
      j--;
    }
    list[j + 1] = v;
  }
  return list;
}

/**
 * `list` in code-unit order, in place, by insertion on numeric keys (the first KEY_UNITS code
 * units, a missing one as 0), comparing the strings only where two keys are equal. Keys order as
 * the strings do only while every code unit fits a byte: the first one above 0xFF hands the whole
 * list to plain insertion.
 */
function keyedInsertionSort(list: string[]): string[] {
  const n = list.length;
  if (shortKeys.length < n) shortKeys = new Float64Array(n);
  const keys = shortKeys;
  for (let i = 0; i < n; i++) {
    const s = list[i]!;
    let key = 0;
    for (let k = 0; k < KEY_UNITS; k++) {
      const c = k < s.length ? s.charCodeAt(k) : 0;
      if (c > 0xff) return insertionSort(list);
      key = key * 256 + c;
    }
    keys[i] = key;
  }
  for (let i = 1; i < n; i++) {
    const v = list[i]!;
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && (keys[j]! > key || (keys[j] === key && list[j]! > v))) {
      list[j + 1] = list[j]!;
      keys[j + 1] = keys[j]!;
      j--;
    }
    list[j + 1] = v;
    keys[j + 1] = key;
  }
  return list;
}

/** Items [start, end) share their first eight code units: order them by full comparison. */
function sortRange(out: string[], start: number, end: number): void {
  if (end - start > 16) {
    const group = out.slice(start, end).sort();
    for (let k = 0; k < group.length; k++) out[start + k] = group[k]!;
    return;
  }
  insertionSort(out, start, end);
}

function dedupeSorted(sorted: string[]): string[] {
  let w = 0;
  for (let i = 0; i < sorted.length; i++) if (w === 0 || sorted[i] !== sorted[w - 1]) sorted[w++] = sorted[i]!;
  sorted.length = w;
  return sorted;
}

/**
 * One stable LSD radix pass: the `n` indexes in `from`, scattered into `to` by byte `shift` of
 * `keys[index]`. Returns false, leaving `to` untouched, when every key has the same byte there
 * (the pass would change nothing).
 */
function radixPass(keys: Uint32Array, shift: number, from: Uint32Array, to: Uint32Array, n: number): boolean {
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[(keys[from[i]!]! >>> shift) & 0xff]!++;
  if (counts[(keys[from[0]!]! >>> shift) & 0xff] === n) return false;
  let sum = 0;
  for (let byte = 0; byte < 256; byte++) {
    const c = counts[byte]!;
    counts[byte] = sum;
    sum += c;
  }
  for (let i = 0; i < n; i++) {
    const j = from[i]!;
    to[counts[(keys[j]! >>> shift) & 0xff]!++] = j;
  }
  return true;
}
