import type { z } from "zod";

/**
 * A yes-only check of a definition against the composed schema, for the shapes fields use
 * (strings with length, pattern, prefix and trim steps, numbers, booleans, arrays, records,
 * objects, unions, optionals, nullables, `unknown`):
 * `true` means zod would accept the value too; `false` means "ask zod", which then accepts it or
 * names the problem exactly as before. zod's parse of the whole definition (it copies every
 * value it accepts) was a twentieth of hashing a never-seen definition (issue #19).
 * quick-check.test.ts compares the two on generated data.
 */
export type QuickCheck = (value: unknown) => boolean;

interface ZodInternals {
  _zod: { def: { type: string; checks?: Array<{ _zod: { def: { check: string; minimum?: number } } }> } & Record<string, unknown> };
}

/** A check for `schema`, or `undefined` for a kind (or a refinement) this does not read. */
export function quickCheckOf(schema: z.ZodType): QuickCheck | undefined {
  const def = (schema as unknown as ZodInternals)._zod.def;
  const checks = def.checks ?? [];
  if (def.type === "string") {
    // In order, as zod runs them: an overwrite (`.trim()`) changes what the checks after it see.
    const steps: Array<(v: string) => string | undefined> = [];
    for (const check of checks) {
      const c = check._zod.def as { check: string; minimum?: unknown; format?: string; pattern?: unknown; prefix?: unknown; tx?: unknown };
      if (c.check === "min_length" && typeof c.minimum === "number") {
        const min = c.minimum;
        steps.push((v) => (v.length >= min ? v : undefined));
      } else if (c.check === "overwrite" && typeof c.tx === "function") {
        const tx = c.tx as (v: string) => unknown;
        steps.push((v) => {
          const out = tx(v);
          return typeof out === "string" ? out : undefined;
        });
      } else if (c.check === "string_format" && c.format === "regex" && c.pattern instanceof RegExp) {
        const pattern = c.pattern;
        steps.push((v) => {
          pattern.lastIndex = 0; // as zod does: a global or sticky pattern must not remember the last test
          return pattern.test(v) ? v : undefined;
        });
      } else if (c.check === "string_format" && c.format === "starts_with" && typeof c.prefix === "string") {
        const prefix = c.prefix;
        steps.push((v) => (v.startsWith(prefix) ? v : undefined));
      } else return undefined;
    }
    return (v) => {
      if (typeof v !== "string") return false;
      let value: string | undefined = v;
      for (let i = 0; i < steps.length && value !== undefined; i++) value = steps[i]!(value);
      return value !== undefined;
    };
  }
  if (checks.length > 0) return undefined;
  switch (def.type) {
    case "boolean":
      return (v) => typeof v === "boolean";
    case "number":
      return (v) => typeof v === "number" && Number.isFinite(v);
    case "unknown":
    case "any":
      return () => true;
    case "optional": {
      const inner = quickCheckOf(def.innerType as z.ZodType);
      return inner && ((v) => v === undefined || inner(v));
    }
    case "nullable": {
      const inner = quickCheckOf(def.innerType as z.ZodType);
      return inner && ((v) => v === null || inner(v));
    }
    case "object": {
      // Strict (`catchall` never) or plain (unknown keys stripped); any other catchall is zod's.
      const catchall = def.catchall as z.ZodType | undefined;
      const strict = catchall !== undefined && (catchall as unknown as ZodInternals)._zod.def.type === "never";
      if (catchall !== undefined && !strict) return undefined;
      const shape = new Map<string, QuickCheck>();
      for (const [key, field] of Object.entries(def.shape as Record<string, z.ZodType>)) {
        const check = quickCheckOf(field);
        if (!check) return undefined;
        shape.set(key, check);
      }
      return (v) => {
        if (!isPlainRecord(v)) return false;
        for (const [key, check] of shape) if (!check(v[key])) return false;
        if (strict) for (const k in v) if (!shape.has(k)) return false;
        return true;
      };
    }
    case "array": {
      const element = quickCheckOf(def.element as z.ZodType);
      if (!element) return undefined;
      return (v) => {
        if (!Array.isArray(v)) return false;
        for (let i = 0; i < v.length; i++) if (!element(v[i])) return false;
        return true;
      };
    }
    case "union": {
      const options = (def.options as z.ZodType[]).map(quickCheckOf);
      if (options.some((o) => o === undefined)) return undefined;
      const all = options as QuickCheck[];
      return (v) => all.some((o) => o(v));
    }
    case "record": {
      const key = def.keyType as z.ZodType;
      if ((key as unknown as ZodInternals)._zod.def.type !== "string" || ((key as unknown as ZodInternals)._zod.def.checks ?? []).length > 0) return undefined;
      const value = quickCheckOf(def.valueType as z.ZodType);
      if (!value) return undefined;
      return (v) => {
        if (!isPlainRecord(v)) return false;
        // `__proto__` is a key zod reads its own way: left to it.
        for (const k in v) if (k === "__proto__" || !value(v[k])) return false;
        return true;
      };
    }
    default:
      return undefined;
  }
}

/** A strict mapping: only `fields` keys, each as its check says (absent is fine: every field is optional). */
export function strictMapping(fields: ReadonlyMap<string, QuickCheck>): QuickCheck {
  return (v) => {
    if (!isPlainRecord(v)) return false;
    for (const k in v) {
      const check = fields.get(k);
      if (check === undefined || !check(v[k])) return false;
    }
    return true;
  };
}

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}
