import { z } from "zod";
import type { FieldRule } from "./sections.js";

/**
 * Where the schema of definition files says it lives. Versioned like the file format (schema v1):
 * a v2 would be a new address, so an editor pinned to v1 keeps validating v1 files.
 */
export const SCHEMA_ID = "https://envforge.dev/schema/v1/environment.json";

/**
 * The formats JSON Schema draft-07 defines. zod writes its own names for some string checks
 * (`starts_with`, `ends_with`, `includes`) next to the `pattern` that says the same thing; a
 * validator in strict mode (Ajv's default) refuses an unknown format, so only these are kept.
 */
const STANDARD_FORMATS = new Set([
  "date-time",
  "date",
  "time",
  "email",
  "idn-email",
  "hostname",
  "idn-hostname",
  "ipv4",
  "ipv6",
  "uri",
  "uri-reference",
  "iri",
  "iri-reference",
  "uri-template",
  "json-pointer",
  "relative-json-pointer",
  "regex",
]);

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Makes the schema portable, in place: drops non-standard `format`s (zod always writes the
 * equivalent `pattern` beside them) and spells a type list (`type: [string, number]`) as `anyOf`,
 * which strict validators accept without an option (Ajv's strictTypes refuses union types).
 */
function portable(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) portable(item);
    return;
  }
  if (!isObject(node)) return;
  if (typeof node.format === "string" && !STANDARD_FORMATS.has(node.format)) delete node.format;
  if (Array.isArray(node.type) && node.anyOf === undefined) {
    node.anyOf = (node.type as unknown[]).map((type) => ({ type }));
    delete node.type;
  }
  for (const [key, value] of Object.entries(node)) {
    // Under `properties` the keys are field names, not keywords: a field called "format" stays.
    if (key === "properties" && isObject(value)) for (const child of Object.values(value)) portable(child);
    else portable(value);
  }
}

/**
 * "These keys are present". The keys are named under `properties` too (accepting anything: the
 * group's own `properties` says what each holds) because a strict validator refuses a `required`
 * key its own subschema does not define (Ajv's strictRequired).
 */
function present(keys: string[]): JsonObject {
  return { properties: Object.fromEntries(keys.map((k) => [k, {}])), required: keys };
}

/** A rule as JSON Schema on its group's object (draft-07 keywords only). */
function ruleSchema(rule: FieldRule, key: (field: string) => string): JsonObject[] {
  switch (rule.kind) {
    case "exactlyOne":
      return [{ oneOf: rule.fields.map((f) => present([key(f)])) }];
    case "atMostOne": {
      const pairs: JsonObject[] = [];
      rule.fields.forEach((a, i) => rule.fields.slice(i + 1).forEach((b) => pairs.push({ not: present([key(a), key(b)]) })));
      return pairs;
    }
    case "requiredWhen":
      return [{ if: { properties: { [key(rule.when)]: { const: rule.equals } }, required: [key(rule.when)] }, then: present(rule.requires.map(key)) }];
  }
}

/** Every field a rule names, as dotted paths. */
export function ruleFields(rule: FieldRule): string[] {
  return rule.kind === "requiredWhen" ? [rule.when, ...rule.requires] : rule.fields;
}

/**
 * The JSON Schema (draft-07) editors read: the composed zod schema made portable, and the
 * rules between fields as `allOf` on their group. A rule naming a field no loaded plugin declares
 * is left out (the field itself would be refused as unknown).
 */
export function editorSchema(root: z.ZodType, rules: readonly FieldRule[], declared: ReadonlySet<string>): JsonObject {
  const schema = z.toJSONSchema(root, { target: "draft-7", unrepresentable: "any", io: "input" }) as JsonObject;
  portable(schema);
  const properties = isObject(schema.properties) ? schema.properties : {};
  for (const rule of rules) {
    const fields = ruleFields(rule);
    if (!fields.every((f) => declared.has(f))) continue;
    const group = fields[0]!.split(".")[0]!;
    const target = properties[group];
    if (!isObject(target)) continue;
    const allOf = Array.isArray(target.allOf) ? (target.allOf as JsonObject[]) : [];
    allOf.push(...ruleSchema(rule, (f) => f.slice(group.length + 1)));
    target.allOf = allOf;
  }
  return { ...schema, $id: SCHEMA_ID, title: "envforge environment definition (schema v1)" };
}
