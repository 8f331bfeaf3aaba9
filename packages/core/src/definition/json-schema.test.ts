import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SCHEMA_ID } from "./json-schema.js";
import { SchemaRegistry } from "./schema.js";

function registry(): SchemaRegistry {
  const r = new SchemaRegistry();
  r.field({ path: "box.a", section: "box", schema: z.string().startsWith("/"), description: "a" });
  r.field({ path: "box.b", section: "box", schema: z.union([z.string(), z.number(), z.boolean()]), description: "b" });
  r.field({ path: "box.format", section: "box", schema: z.string(), description: "a field named like a keyword" });
  return r;
}

describe("the editors' JSON Schema", () => {
  it("keeps only standard formats (the pattern says the rest), spells type lists as anyOf, and carries the versioned $id", () => {
    const schema = registry().jsonSchema() as { $id: string; properties: { box: { properties: Record<string, Record<string, unknown>> } } };
    expect(schema.$id).toBe(SCHEMA_ID);
    const box = schema.properties.box.properties;
    expect(box.a).not.toHaveProperty("format");
    expect(box.a!.pattern).toBe("^\\/.*");
    expect(box.b).not.toHaveProperty("type");
    expect(box.b!.anyOf).toEqual([{ type: "string" }, { type: "number" }, { type: "boolean" }]);
    expect(box.format).toEqual(expect.objectContaining({ type: "string" }));
  });

  it("puts field rules on their group; a rule naming an undeclared field is left out", () => {
    const r = registry();
    r.rule({ kind: "exactlyOne", fields: ["box.a", "box.b"] });
    r.rule({ kind: "atMostOne", fields: ["box.a", "box.format"] });
    r.rule({ kind: "requiredWhen", when: "box.b", equals: true, requires: ["box.a"] });
    r.rule({ kind: "atMostOne", fields: ["box.a", "box.missing"] });
    const box = (r.jsonSchema() as { properties: { box: { allOf: unknown[] } } }).properties.box;
    expect(box.allOf).toEqual([
      { oneOf: [{ properties: { a: {} }, required: ["a"] }, { properties: { b: {} }, required: ["b"] }] },
      { not: { properties: { a: {}, format: {} }, required: ["a", "format"] } },
      { if: { properties: { b: { const: true } }, required: ["b"] }, then: { properties: { a: {} }, required: ["a"] } },
    ]);
  });

  it("refuses a rule across groups or over one field", () => {
    const r = registry();
    expect(() => r.rule({ kind: "atMostOne", fields: ["box.a", "other.b"] })).toThrow(/one group/);
    expect(() => r.rule({ kind: "exactlyOne", fields: ["box.a"] })).toThrow(/two or more/);
  });
});
