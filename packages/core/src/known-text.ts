/**
 * Canonical JSON text already known for frozen values (see canonical-set.ts), so the serializer
 * writes it instead of walking and escaping the value again. Only frozen values are remembered:
 * what cannot change cannot go out of date.
 *
 * A small strong map, emptied when full, rather than a WeakMap: a set's text is wanted once, right
 * after it is made (canonicalize, then serialize), and one WeakMap entry per hashed set made the
 * ephemeron table most of the garbage collector's work. A value whose text was forgotten is
 * simply serialized the long way — the bytes are the same.
 */
const MAX_KNOWN = 64;
let known = new Map<object, string>();

export function rememberText<T extends object>(value: T, text: string): T {
  if (!Object.isFrozen(value)) return value;
  if (known.size >= MAX_KNOWN) known = new Map();
  known.set(value, text);
  return value;
}

export function knownText(value: object): string | undefined {
  return known.get(value);
}
