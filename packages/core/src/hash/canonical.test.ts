import stableStringify from "fast-json-stable-stringify";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { serializeCanonical } from "./canonical.js";
import type { CanonicalSpec } from "../definition/spec.js";

/** The efh1 contract names fast-json-stable-stringify's bytes; the fast walk must never differ. */
describe("serializeCanonical", () => {
  const text = fc.string({ unit: "binary", maxLength: 12 });
  const leaf = fc.oneof(text, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined));
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: "small" }, leaf, tie("array"), tie("object")),
    array: fc.oneof(fc.array(tie("node"), { maxLength: 5 }), fc.array(text, { maxLength: 6 })),
    object: fc.dictionary(text, tie("node"), { maxKeys: 5 }),
  })).node;

  it("writes the same bytes as fast-json-stable-stringify for any JSON-like value", () => {
    fc.assert(
      fc.property(fc.dictionary(text, value, { maxKeys: 4 }), (sections) => {
        const canonical = { contract: "efh1", sections } as CanonicalSpec;
        expect(serializeCanonical(canonical)).toBe(stableStringify(canonical));
      }),
      { numRuns: 2000 },
    );
  });

  it("writes the same bytes when every object is already in key order", () => {
    const sortedDeep = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(sortedDeep);
      if (typeof v !== "object" || v === null) return v;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) out[k] = sortedDeep((v as Record<string, unknown>)[k]);
      return out;
    };
    fc.assert(
      fc.property(fc.dictionary(text, value, { maxKeys: 4 }), (sections) => {
        const canonical = sortedDeep({ contract: "efh1", sections }) as CanonicalSpec;
        expect(serializeCanonical(canonical)).toBe(stableStringify(canonical));
      }),
      { numRuns: 2000 },
    );
    const numericKeys = { contract: "efh1", sections: { x: { "10": 1, "9": 2, a: [new String("ab")], b: Object.create(null) } } } as unknown as CanonicalSpec;
    expect(serializeCanonical(numericKeys)).toBe(stableStringify(numericKeys));
  });

  it("sorts keys at every level, whatever order they were inserted in, and keeps array order", () => {
    const canonical = { sections: { pip: ["b", "a"], docker: { steps: ["z", "y"], base: { image: "x" } } }, contract: "efh1" } as CanonicalSpec;
    expect(serializeCanonical(canonical)).toBe('{"contract":"efh1","sections":{"docker":{"base":{"image":"x"},"steps":["z","y"]},"pip":["b","a"]}}');
  });

  it("escapes exactly as JSON.stringify does: quotes, backslashes, control characters, lone and paired surrogates", () => {
    // Any UTF-16 code unit, so lone surrogates and the escape boundaries (0x1f, 0x20, 0x7f) come up.
    const units = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 16 });
    fc.assert(
      fc.property(fc.dictionary(units, fc.oneof(units, fc.array(units, { maxLength: 4 })), { maxKeys: 4 }), (section) => {
        const canonical = { contract: "efh1", sections: { s: section } } as CanonicalSpec;
        expect(serializeCanonical(canonical)).toBe(stableStringify(canonical));
      }),
      { numRuns: 2000 },
    );
  });

  it("orders a large object's keys (past the insertion sort's size) exactly as the reference", () => {
    fc.assert(
      fc.property(fc.dictionary(text, fc.integer(), { minKeys: 10, maxKeys: 60 }), (variables) => {
        const canonical = { contract: "efh1", sections: { example: { variables } } } as CanonicalSpec;
        expect(serializeCanonical(canonical)).toBe(stableStringify(canonical));
      }),
      { numRuns: 500 },
    );
  });

  it("writes non-JSON values the way the reference does (undefined skipped or null, toJSON honoured, non-finite null)", () => {
    const odd = { contract: "efh1", sections: { a: [undefined, Number.NaN, () => 1], b: undefined, c: new Date(0), d: { toJSON: () => "x" } } } as unknown as CanonicalSpec;
    expect(serializeCanonical(odd)).toBe(stableStringify(odd));
  });
});
