import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sortedSet } from "./sorted-set.js";

const reference = (items: string[]) => [...new Set(items)].sort();

describe("sortedSet", () => {
  // Few characters, so items share long prefixes and collide: the radix path's tie handling runs.
  const near = fc.string({ unit: fc.constantFrom("a", "b", "-", "=", "\u0000", "\u00ff", "1"), maxLength: 12 });
  const any = fc.string({ unit: "binary", maxLength: 12 });

  it("equals [...new Set(items)].sort() on small and large lists of similar strings", () => {
    fc.assert(fc.property(fc.array(near, { maxLength: 300 }), (items) => {
      expect(sortedSet(items)).toEqual(reference(items));
    }), { numRuns: 500 });
  });

  it("equals the reference on arbitrary UTF-16 (surrogates, code units above 0xFF fall back)", () => {
    fc.assert(fc.property(fc.array(any, { minLength: 40, maxLength: 200 }), (items) => {
      expect(sortedSet(items)).toEqual(reference(items));
    }), { numRuns: 300 });
  });

  it("equals the reference on short sets (keyed insertion): shared six-unit prefixes, code units above 0xFF", () => {
    const prefixed = fc.tuple(fc.constantFrom("numpy-", "numpy\u00ff", "nump\u0100", "", "num"), near).map(([a, b]) => a + b);
    fc.assert(fc.property(fc.array(fc.oneof(prefixed, any), { maxLength: 47 }), (items) => {
      expect(sortedSet(items)).toEqual(reference(items));
    }), { numRuns: 1000 });
    // A code unit above a byte would carry into the key's next unit: "a\u0101" would pass "b".
    const carry = ["b", "a\u0101", "a\u00ff", "a", "a\u0100b"];
    expect(sortedSet(carry)).toEqual(reference(carry));
  });

  it("orders a prefix before its extensions and long shared prefixes by their tails", () => {
    const items = Array.from({ length: 60 }, (_, i) => `azureml-core-${(i * 37) % 60}`).concat(["azureml", "azureml\u0000", "azureml", "a"]);
    expect(sortedSet(items)).toEqual(reference(items));
  });

  it("accepts any iterable and leaves its input untouched", () => {
    const input = Array.from({ length: 100 }, (_, i) => `pkg-${(i * 7) % 50}`);
    const copy = [...input];
    expect(sortedSet(new Set(input))).toEqual(reference(input));
    expect(sortedSet(input)).toEqual(reference(input));
    expect(input).toEqual(copy);
  });
});
