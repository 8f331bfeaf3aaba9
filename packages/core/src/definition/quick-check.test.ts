import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { quickCheckOf, strictMapping } from "./quick-check.js";

const scalar = z.union([z.string(), z.number(), z.boolean()]);
/** The shapes fields declare (core's, and the bundled plugins'), and a few it must leave to zod. */
const SCHEMAS: Record<string, z.ZodType> = {
  string: z.string(),
  nonEmpty: z.string().min(1),
  version: z.string().trim().regex(/^3\.\d+(\.\d+)?$/, "a Python version"),
  absolute: z.string().trim().startsWith("/", "an absolute path"),
  globalPattern: z.string().regex(/a/g),
  versionField: z.union([z.string().min(1), z.number()]),
  list: z.array(z.string()),
  optionalList: z.array(z.string()).optional(),
  record: z.record(z.string(), scalar),
  unknownRecord: z.record(z.string(), z.unknown()),
  boolean: z.boolean(),
  conda: z.strictObject({
    name: z.string().optional(),
    channels: z.array(z.string()).nullable().optional(),
    dependencies: z.array(z.union([z.string(), z.strictObject({ pip: z.array(z.string()).nullable() })])).nullable().optional(),
    variables: z.record(z.string(), scalar).nullable().optional(),
  }),
  loose: z.object({ a: z.string() }),
};

const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom("", " 3.11 ", "3.11", "3.x", "/usr/bin/python3", " /x", "a", "aa", "numpy", "__proto__", "pip", "name"),
    fc.string(),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie("any"), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom("name", "channels", "dependencies", "variables", "pip", "a", "b", "__proto__"), tie("any"), { maxKeys: 4 }),
  ),
})).any;

describe("quickCheckOf (a yes-only check beside zod)", () => {
  it("says yes only where zod accepts", () => {
    for (const [name, schema] of Object.entries(SCHEMAS)) {
      const quick = quickCheckOf(schema);
      expect(quick, name).toBeDefined();
      let yes = 0;
      fc.assert(
        fc.property(value, (v) => {
          if (!quick!(v)) return;
          yes++;
          expect(schema.safeParse(v).success, `${name}: ${JSON.stringify(v)}`).toBe(true);
        }),
        { numRuns: 1500 },
      );
      expect(yes, name).toBeGreaterThan(0);
    }
  });

  it("says yes to the values definitions hold", () => {
    expect(quickCheckOf(SCHEMAS.version!)!(" 3.11 ")).toBe(true);
    expect(quickCheckOf(SCHEMAS.conda!)!({ channels: ["conda-forge"], dependencies: ["numpy=1.26", { pip: ["rich"] }] })).toBe(true);
    expect(quickCheckOf(SCHEMAS.record!)!({ OMP_NUM_THREADS: "4", N: 2, ON: true })).toBe(true);
  });

  it("leaves refinements and transforms it does not know to zod", () => {
    expect(quickCheckOf(z.string().refine((s) => s.length > 2))).toBeUndefined();
    expect(quickCheckOf(z.string().email())).toBeUndefined();
    expect(quickCheckOf(z.array(z.string()).min(1))).toBeUndefined();
    expect(quickCheckOf(z.object({ a: z.string() }).catchall(z.number()))).toBeUndefined();
  });

  it("checks a strict mapping's keys", () => {
    const check = strictMapping(new Map([["a", (v: unknown) => v === undefined || typeof v === "string"]]));
    expect(check({ a: "x" })).toBe(true);
    expect(check({ b: "x" })).toBe(false);
    expect(check([])).toBe(false);
  });
});
