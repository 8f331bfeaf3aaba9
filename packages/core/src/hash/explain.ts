import type { CanonicalValue, HashResult } from "../definition/spec.js";

export interface FieldDifference {
  /** Dotted path in the canonical form, e.g. `sections.pip`. */
  path: string;
  a?: CanonicalValue | undefined;
  b?: CanonicalValue | undefined;
  /** For lists: items only in b / only in a. */
  added?: CanonicalValue[] | undefined;
  removed?: CanonicalValue[] | undefined;
}

export interface Explanation {
  equal: boolean;
  a: string;
  b: string;
  differences: FieldDifference[];
}

/** Which canonical fields differ between two hash results: why one would miss the other's entry. */
export function explainCanonical(a: Pick<HashResult, "hash" | "canonical">, b: Pick<HashResult, "hash" | "canonical">): Explanation {
  const differences: FieldDifference[] = [];
  diff(a.canonical as unknown as CanonicalValue, b.canonical as unknown as CanonicalValue, "", differences);
  return { equal: a.hash === b.hash, a: a.hash, b: b.hash, differences };
}

function isObject(v: CanonicalValue | undefined): v is { [key: string]: CanonicalValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function diff(a: CanonicalValue | undefined, b: CanonicalValue | undefined, path: string, out: FieldDifference[]): void {
  if (isObject(a) && isObject(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      diff(a[key], b[key], path ? `${path}.${key}` : key, out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const as = a.map((v) => JSON.stringify(v));
    const bs = b.map((v) => JSON.stringify(v));
    if (as.join("\n") === bs.join("\n")) return;
    const setA = new Set(as);
    const setB = new Set(bs);
    const added = b.filter((_, i) => !setA.has(bs[i]!));
    const removed = a.filter((_, i) => !setB.has(as[i]!));
    out.push({ path, added, removed, ...(added.length === 0 && removed.length === 0 ? { a, b } : {}) });
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path, a, b });
}
