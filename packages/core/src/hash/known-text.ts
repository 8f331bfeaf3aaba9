/**
 * Canonical JSON text already known for frozen values (see canonical-set.ts), so the serializer
 * writes it instead of walking and escaping the value again. Only frozen values are remembered:
 * what cannot change cannot go out of date.
 *
 * A set's text is wanted once, right after it is made (canonicalize, then serialize), so only the
 * last RING values are remembered, in a ring searched newest first by identity. Keyed tables cost
 * more than the lookup saved: a WeakMap made ephemerons most of the garbage collector's work, and
 * a Map needs an identity hash for every new set (about 150 ns, a tenth of hashing a typical
 * definition). A value whose text was forgotten is simply serialized the long way: same bytes.
 */
const RING = 16;
const values: (object | undefined)[] = new Array<object | undefined>(RING).fill(undefined);
const texts: string[] = new Array<string>(RING).fill("");
let newest = 0;

export function rememberText<T extends object>(value: T, text: string): T {
  if (!Object.isFrozen(value)) return value;
  newest = (newest + 1) % RING;
  values[newest] = value;
  texts[newest] = text;
  return value;
}

export function knownText(value: object): string | undefined {
  for (let k = 0, i = newest; k < RING; k++, i = (i + RING - 1) % RING) if (values[i] === value) return texts[i];
  return undefined;
}
