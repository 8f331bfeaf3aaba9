const counts = new Uint32Array(256);

/**
 * One stable LSD radix pass (sorted-set.ts): the `n` indexes in `from`, scattered into `to` by byte
 * `shift` of `keys[index]`. Returns false, leaving `to` untouched, when every key has the same byte
 * there (the pass would change nothing).
 */
export function radixPass(keys: Uint32Array, shift: number, from: Uint32Array, to: Uint32Array, n: number): boolean {
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
