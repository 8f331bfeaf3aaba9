import { z } from "zod";
import { didYouMean } from "./did-you-mean.js";
import { EnvforgeError } from "../errors/envforge-error.js";
import { createError } from "../errors/factories.js";
import { editorSchema, ruleFields } from "./json-schema.js";
import { formatPath, type FieldPath, type Locator } from "./location.js";
import { quickCheckOf, strictMapping, type QuickCheck } from "./quick-check.js";
import type { FieldDefinition, FieldRule, SchemaBuilder, SectionOrder } from "./sections.js";

/**
 * Every field of schema v1, and the plugin that normally handles it. Only used to tell "you made a
 * typo" apart from "you did not load the plugin for this": core knows the names, not the meaning.
 */
const SCHEMA_V1_FIELDS: Record<string, string> = {
  "python.conda": "@envforge/plugin-conda",
  "python.condaFile": "@envforge/plugin-conda",
  "python.pip": "@envforge/plugin-pip",
  "python.pipRequirements": "@envforge/plugin-pip",
  docker: "@envforge/plugin-docker",
  spark: "@envforge/plugin-spark",
};

/** Fields core owns itself: identity and runtime variables (never hashed). */
const scalar = z.union([z.string(), z.number(), z.boolean()]);
const IDENTITY_FIELDS: Record<string, { schema: z.ZodType; description: string }> = {
  $schema: { schema: z.string(), description: "JSON Schema of this file, for editors (not hashed)" },
  name: { schema: z.string().min(1), description: "environment name (identity: not hashed)" },
  version: { schema: z.union([z.string().min(1), z.number()]), description: "environment version (identity: not hashed)" },
  description: { schema: z.string(), description: "free text (not hashed)" },
  tags: { schema: z.record(z.string(), scalar), description: "free-form labels (not hashed)" },
  variables: { schema: z.record(z.string(), scalar), description: "runtime environment variables (stored, not hashed)" },
};

export interface FieldPathEntry {
  dotted: string;
  head: string;
  child: string | undefined;
  definition: FieldDefinition;
}

export class SchemaRegistry implements SchemaBuilder {
  readonly fields = new Map<string, FieldDefinition>();
  readonly forwards = new Map<string, Set<string>>();
  readonly rules: FieldRule[] = [];
  #root: z.ZodType | undefined;
  #quick: QuickCheck | undefined;
  #paths: FieldPathEntry[] | undefined;

  field(definition: FieldDefinition): void {
    const segments = definition.path.split(".");
    if (segments.length > 2 || segments.some((s) => s === "")) {
      throw new Error(`field path "${definition.path}" must have one or two segments`);
    }
    const existing = this.fields.get(definition.path);
    if (existing && existing.section !== definition.section) {
      throw new Error(
        `field "${definition.path}" is declared by sections "${existing.section}" and "${definition.section}"`,
      );
    }
    this.fields.set(definition.path, definition);
    this.#root = undefined;
    this.#quick = undefined;
    this.#paths = undefined;
  }

  /** Every field with its path split once (`python.pip` → `python`, `pip`): read for each definition parsed. */
  fieldPaths(): readonly FieldPathEntry[] {
    return (this.#paths ??= [...this.fields].map(([dotted, definition]) => {
      const [head, child] = dotted.split(".") as [string, string | undefined];
      return { dotted, head, child, definition };
    }));
  }

  rule(rule: FieldRule): void {
    const fields = ruleFields(rule);
    const groups = new Set(fields.map((f) => f.split(".")));
    if (fields.length < 2 || [...groups].some((g) => g.length !== 2) || new Set([...groups].map((g) => g[0])).size !== 1) {
      throw new Error(`a field rule names two or more fields of one group (e.g. docker.baseImage, docker.baseDockerfile), got ${fields.join(", ")}`);
    }
    this.rules.push(rule);
  }

  order(order: SectionOrder): void {
    const set = this.forwards.get(order.section) ?? new Set();
    for (const to of order.forwardsTo) set.add(to);
    this.forwards.set(order.section, set);
  }

  /** Sections in parse order: a section that forwards to another is parsed before it. */
  sectionOrder(present: Iterable<string>): string[] {
    const all = new Set(present);
    const out: string[] = [];
    const seen = new Set<string>();
    const visit = (s: string) => {
      if (seen.has(s)) return;
      seen.add(s);
      for (const [from, tos] of this.forwards) if (tos.has(s) && all.has(from)) visit(from);
      out.push(s);
    };
    for (const s of [...all].sort()) visit(s);
    return out;
  }

  /** The composed zod schema of a whole definition. */
  root(): z.ZodType {
    this.#root ??= z.strictObject(
      Object.fromEntries(
        this.#compose(
          (schema, description) => schema.describe(description).optional(),
          (children) => z.strictObject(Object.fromEntries(children)).optional(),
        ),
      ),
    );
    return this.#root;
  }

  /**
   * The definition's layout, one value per field: the identity fields and one-segment fields at
   * the top, two-segment fields (`python.pip`) in a mapping under their head. The zod schema and
   * the quick check are both made from it.
   */
  #compose<T>(field: (schema: z.ZodType, description: string) => T, group: (children: Map<string, T>) => T): Map<string, T> {
    const top = new Map<string, T>();
    for (const [key, def] of Object.entries(IDENTITY_FIELDS)) top.set(key, field(def.schema, def.description));
    const groups = new Map<string, Map<string, T>>();
    for (const { head, child, definition } of this.fieldPaths()) {
      const value = field(definition.schema, definition.description);
      if (child === undefined) top.set(head, value);
      else {
        const children = groups.get(head) ?? new Map<string, T>();
        children.set(child, value);
        groups.set(head, children);
      }
    }
    for (const [head, children] of groups) top.set(head, group(children));
    return top;
  }

  /** JSON Schema (draft-7) of the definition file, for editors (`json-schema.ts`). */
  jsonSchema(): Record<string, unknown> {
    return editorSchema(this.root(), this.rules, new Set(this.fields.keys()));
  }

  /** Validates types and keys; throws the first problem as a located `EnvforgeError`. */
  check(data: unknown, locator: Locator): void {
    this.#requireMapping(data, locator);
    if (this.#quickCheck()(data)) return;
    const result = this.root().safeParse(data);
    if (result.success) return;
    const issue = result.error.issues[0]!;
    throw this.#toError(issue, data, locator);
  }

  /** The root's quick check (quick-check.ts): a field whose schema it cannot read always asks zod. */
  #quickCheck(): QuickCheck {
    if (this.#quick) return this.#quick;
    const askZod: QuickCheck = () => false;
    const optional = (check: QuickCheck): QuickCheck => (v) => v === undefined || check(v);
    this.#quick = strictMapping(
      this.#compose(
        (schema) => optional(quickCheckOf(schema) ?? askZod),
        (children) => optional(strictMapping(children)),
      ),
    );
    return this.#quick;
  }

  #requireMapping(data: unknown, locator: Locator): void {
    if (typeof data !== "object" || data === null || Array.isArray(data)) {
      throw createError("E_WRONG_TYPE", "an environment definition must be a mapping of fields", {
        location: locator.locate([]),
        hint: "start the file with fields such as `name:`, `python:` or `docker:`",
      });
    }
  }

  /**
   * Every schema problem of a mapping (`engine.validate`), each with the sections whose fields it
   * is in: those cannot be parsed (their parser would read a value of the wrong shape), the others
   * still can. Zod lists issues in schema order; callers sort them by position.
   */
  problems(data: unknown, locator: Locator): Array<{ error: EnvforgeError; sections: string[] }> {
    this.#requireMapping(data, locator);
    const result = this.root().safeParse(data);
    if (result.success) return [];
    const out: Array<{ error: EnvforgeError; sections: string[] }> = [];
    for (const issue of result.error.issues) {
      const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
      const sections = this.#sectionsAt(path, issue.code === "unrecognized_keys");
      // One problem per unknown key: each has its own place in the file.
      const split = issue.code === "unrecognized_keys" ? issue.keys.map((key) => ({ ...issue, keys: [key] })) : [issue];
      for (const one of split) out.push({ error: this.#toError(one, data, locator), sections });
    }
    return out;
  }

  /** Sections owning the field at `path`; for a group (`python`) with a wrong type, all of its sections. */
  #sectionsAt(path: FieldPath, unknownKey: boolean): string[] {
    const dotted = path.slice(0, 2).map(String);
    const out = new Set<string>();
    for (const def of this.fields.values()) {
      const segments = def.path.split(".");
      const owns = segments.every((s, i) => dotted[i] === s);
      const inGroup = !unknownKey && path.length === 1 && segments.length === 2 && segments[0] === dotted[0];
      if (owns || inGroup) out.add(def.section);
    }
    return [...out];
  }

  #toError(issue: z.core.$ZodIssue, data: unknown, locator: Locator): EnvforgeError {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      const key = issue.keys[0]!;
      const full = [...path, key];
      const dotted = formatPath(full);
      const plugin = SCHEMA_V1_FIELDS[dotted];
      if (plugin) {
        return createError("E_NO_PLUGIN", `field "${dotted}" is part of schema v1 but no loaded plugin handles it`, {
          field: dotted,
          location: locator.locate(full, true),
          hint: `load ${plugin} (the CLI loads it by default), or remove the field`,
        });
      }
      const siblings = this.#knownKeys(path);
      const guess = didYouMean(key, siblings);
      return createError("E_UNKNOWN_KEY", `unknown field "${dotted}"${guess ? `; did you mean "${guess}"?` : ""}`, {
        field: dotted,
        location: locator.locate(full, true),
        hint: `valid fields here: ${siblings.join(", ")}`,
      });
    }
    const dotted = formatPath(path);
    const value = valueAt(data, path);
    const location = locator.locate(path);
    if (issue.code === "invalid_type" || issue.code === "invalid_union") {
      const expected = describeExpected(issue);
      return createError("E_WRONG_TYPE", `field "${dotted}" must be ${expected}, got ${describeValue(value)}`, {
        field: dotted,
        location,
        hint: hintFor(dotted, value, expected),
      });
    }
    return createError("E_INVALID_VALUE", `field "${dotted}": ${issue.message}`, {
      field: dotted,
      location,
    });
  }

  #knownKeys(path: FieldPath): string[] {
    if (path.length === 0) {
      const heads = new Set<string>(Object.keys(IDENTITY_FIELDS));
      for (const p of this.fields.keys()) heads.add(p.split(".")[0]!);
      return [...heads].sort();
    }
    if (path.length === 1) {
      const head = String(path[0]);
      return [...this.fields.keys()]
        .filter((p) => p.startsWith(`${head}.`))
        .map((p) => p.slice(head.length + 1))
        .sort();
    }
    return [];
  }
}

function valueAt(data: unknown, path: FieldPath): unknown {
  let node = data;
  for (const p of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[p];
  }
  return node;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

function describeExpected(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") {
    const e = String(issue.expected);
    if (e === "array") return "a list";
    if (e === "object" || e === "record") return "a mapping";
    return `a ${e}`;
  }
  if (issue.code === "invalid_union") {
    const kinds = new Set<string>();
    for (const branch of issue.errors) for (const i of branch) if (i.code === "invalid_type") kinds.add(String(i.expected));
    if (kinds.size > 0) return [...kinds].map((k) => (k === "object" || k === "record" ? "a mapping" : k === "array" ? "a list" : `a ${k}`)).join(" or ");
  }
  return "a different value";
}

function hintFor(field: string, value: unknown, expected: string): string {
  if (typeof value === "number" && expected.includes("string")) {
    return `quote it: ${field.split(".").pop()}: "${String(value)}" (YAML reads 3.10 as the number 3.1)`;
  }
  return `see \`envforge schema\` for the shape of "${field}"`;
}
