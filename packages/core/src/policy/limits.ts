import { EnvforgeError } from "../errors/envforge-error.js";
import { createError } from "../errors/factories.js";
import { formatPath, type FieldPath, type Locator, type SourceLocation } from "../definition/location.js";

/** Bounds on input, so a hostile or broken definition is refused with a clear limit, not an OOM. */
export interface InputLimits {
  /** Largest definition or referenced file, in bytes. */
  maxFileBytes: number;
  /** Most referenced files one definition may pull in (`-r` includes count). */
  maxReferencedFiles: number;
  /** Most lines in a definition or referenced file (a requirements file, a Dockerfile). */
  maxFileLines: number;
  /** Most items in any one list of a definition (requirements, steps, channels…). */
  maxListItems: number;
  /** Deepest nesting of lists and mappings in a definition. */
  maxDepth: number;
}

export const DEFAULT_LIMITS: InputLimits = {
  maxFileBytes: 8 * 1024 * 1024,
  maxReferencedFiles: 64,
  maxFileLines: 20_000,
  maxListItems: 10_000,
  maxDepth: 64,
};

/**
 * The limits in force: each bound is the tighter of the engine's `limits` and the policy's, the
 * default where neither sets it. A policy never loosens a bound the host set on the engine, nor
 * the other way round.
 */
export function effectiveLimits(engine: Partial<InputLimits> | undefined, policy: Partial<InputLimits> | undefined): InputLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(out) as (keyof InputLimits)[]) {
    const given = [engine?.[key], policy?.[key]].filter((v): v is number => v !== undefined);
    if (given.length > 0) out[key] = Math.min(...given);
  }
  return out;
}

/** Refuses text with more lines than the limit (a 100k-line requirements file is not a definition). */
export function checkLines(text: string, file: string, limits: InputLimits, at?: { location?: SourceLocation | undefined; field?: string | undefined }): void {
  let lines = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
    if (++lines > limits.maxFileLines) {
      throw createError("E_INPUT_TOO_LARGE", `${file} has more than ${limits.maxFileLines} lines`, {
        location: at?.location,
        field: at?.field,
        hint: "definitions and the files they reference must stay under the limit (engine option `limits.maxFileLines`)",
      });
    }
  }
}

/** Refuses lists longer than `maxListItems` and nesting deeper than `maxDepth`, located where written. */
export function checkShape(data: unknown, locator: Locator, limits: InputLimits): void {
  const stack: Array<{ node: unknown; path: FieldPath }> = [{ node: data, path: [] }];
  // Shared nodes (YAML aliases, a host object reused) are checked once; a cycle ends here too.
  const seen = new Set<object>();
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (typeof node !== "object" || node === null || seen.has(node)) continue;
    seen.add(node);
    if (path.length > limits.maxDepth) {
      throw tooLarge(`field "${formatPath(path)}" is nested more than ${limits.maxDepth} levels deep`, path, locator, "limits.maxDepth");
    }
    if (Array.isArray(node)) {
      if (node.length > limits.maxListItems) {
        throw tooLarge(`field "${formatPath(path)}" has ${node.length} items, over the limit of ${limits.maxListItems}`, path, locator, "limits.maxListItems");
      }
      node.forEach((item, i) => stack.push({ node: item, path: [...path, i] }));
    } else {
      for (const [k, v] of Object.entries(node)) stack.push({ node: v, path: [...path, k] });
    }
  }
}

function tooLarge(message: string, path: FieldPath, locator: Locator, option: string): EnvforgeError {
  return createError("E_INPUT_TOO_LARGE", message, {
    field: path.length > 0 ? formatPath(path) : undefined,
    location: locator.locate(path),
    hint: `split the definition, or raise the engine option \`${option}\` if this is really intended`,
  });
}
