import { describe, expect, it } from "vitest";
import { checkShape, DEFAULT_LIMITS } from "./limits.js";
import { formatPath, type FieldPath, type Locator } from "../definition/location.js";

/** A locator that says which path it was asked for, so the error's location names the field. */
const locator: Locator = { file: "env.yaml", locate: (path: FieldPath) => ({ file: "env.yaml", line: path.length + 1, column: 1, field: formatPath(path) }) as never };
const limits = { ...DEFAULT_LIMITS, maxDepth: 4, maxListItems: 3 };

function refusal(data: unknown): { message: string; field: unknown; location: unknown } | undefined {
  try {
    checkShape(data, locator, limits);
    return undefined;
  } catch (error) {
    const e = error as { code: string; message: string; field: unknown; location: unknown };
    expect(e.code).toBe("E_INPUT_TOO_LARGE");
    return e;
  }
}

describe("checkShape", () => {
  it("accepts a definition within the bounds, strings and all", () => {
    expect(refusal({ python: { pip: ["a", "b", "c"] }, docker: { steps: ["RUN x"] }, name: "x" })).toBeUndefined();
    expect(refusal("a scalar")).toBeUndefined();
    expect(refusal({ a: { b: { c: { d: "deep strings do not count as a level" } } } })).toBeUndefined();
  });

  it("refuses nesting deeper than maxDepth, naming the first field past it", () => {
    const e = refusal({ a: { b: [{ c: { d: {} } }] } });
    expect(e?.message).toBe('field "a.b[0].c.d" is nested more than 4 levels deep');
    expect(e?.field).toBe("a.b[0].c.d");
    expect(e?.location).toMatchObject({ field: "a.b[0].c.d", line: 6 });
  });

  it("refuses a list longer than maxListItems, naming it", () => {
    const e = refusal({ python: { pip: ["a", "b", "c", "d"] } });
    expect(e?.message).toBe('field "python.pip" has 4 items, over the limit of 3');
    expect(e?.field).toBe("python.pip");
  });

  it("checks a shared node once and ends on a cycle", () => {
    const shared = { x: ["a"] };
    expect(refusal({ a: shared, b: shared, c: [shared, shared] })).toBeUndefined();
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    expect(refusal(cyclic)).toBeUndefined();
  });

  it("measures depth along the path that reaches a node", () => {
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 6; i++) at = at[`l${i}`] = {} as Record<string, unknown>;
    expect(refusal(deep)?.message).toBe('field "l0.l1.l2.l3.l4" is nested more than 4 levels deep');
  });
});
