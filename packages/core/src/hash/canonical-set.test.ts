import fc from "fast-check";
import stableStringify from "fast-json-stable-stringify";
import { describe, expect, it } from "vitest";
import { serializeCanonical } from "./canonical.js";
import { canonicalSet } from "./canonical-set.js";
import type { CanonicalSpec } from "../definition/spec.js";

const reference = (items: readonly string[]) => [...new Set(items)].sort();
const asSpec = (pip: string[]): CanonicalSpec => ({ contract: "efh1", sections: { pip } });

describe("canonicalSet", () => {
  const near = fc.string({ unit: fc.constantFrom("a", "b", "-", "=", "\u0000", "\u00ff", "\u2028", '"', "\\", "1"), maxLength: 10 });
  const any = fc.string({ unit: "binary", maxLength: 12 });

  it("is the deduplicated code-unit order, set after set", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.oneof(near, any), { maxLength: 300 }), { minLength: 1, maxLength: 4 }), (lists) => {
        for (const items of lists) expect(canonicalSet(items)).toEqual(reference(items));
      }),
      { numRuns: 300 },
    );
  });

  it("serializes to exactly the reference bytes (the efh1 contract), escapes included", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(near, any), { maxLength: 200 }), (items) => {
        const set = canonicalSet(items);
        expect(serializeCanonical(asSpec(set))).toBe(stableStringify(asSpec(reference(items))));
      }),
      { numRuns: 300 },
    );
  });

  it("serializes right when many sets were made since (their remembered texts forgotten)", () => {
    const lists = Array.from({ length: 40 }, (_, i) => [`z${i}`, `a${i}`, `m${i % 3}`, `a${i}`]);
    const sets = lists.map((items) => canonicalSet(items));
    const spec: CanonicalSpec = { contract: "efh1", sections: Object.fromEntries(sets.map((set, i) => [`s${i}`, set])) };
    const expected = { contract: "efh1", sections: Object.fromEntries(lists.map((items, i) => [`s${i}`, reference(items)])) };
    expect(serializeCanonical(spec)).toBe(stableStringify(expected));
  });

  it("returns a frozen array and leaves its input untouched", () => {
    const input = ["b", "a", "b"];
    const set = canonicalSet(input);
    expect(Object.isFrozen(set)).toBe(true);
    expect(input).toEqual(["b", "a", "b"]);
    expect(() => (set as string[]).push("c")).toThrow(TypeError);
  });

  it("large sets equal the reference", () => {
    const items = Array.from({ length: 5000 }, (_, i) => `pkg-${(i * 7919) % 3000}==1.${i % 17}`);
    expect(canonicalSet(items)).toEqual(reference(items));
  });

  it("sorts a large set (radix path) and serializes it to the reference bytes", () => {
    const items = Array.from({ length: 70_000 }, (_, i) => `big-${(i * 7919) % 70_010}`);
    const set = canonicalSet(items);
    expect(set).toEqual(reference(items));
    expect(Object.isFrozen(set)).toBe(true);
    expect(serializeCanonical(asSpec(set))).toBe(stableStringify(asSpec(reference(items))));
    expect(canonicalSet(["z", "a", "z"])).toEqual(["a", "z"]);
  });
});
