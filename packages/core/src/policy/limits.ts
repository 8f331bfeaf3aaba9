import { EnvforgeError } from "../errors/envforge-error.js";
import { createError } from "../errors/factories.js";
import { formatPath, type FieldPath, type Locator, type SourceLocation } from "../definition/location.js";
import type { InputLimits } from "./input-limits.js";

export { DEFAULT_LIMITS, effectiveLimits, type InputLimits } from "./input-limits.js";

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
  if (typeof data !== "object" || data === null) return;
  // Shared nodes (YAML aliases, a host object reused) are checked once; a cycle ends here too.
  // Only containers are visited, and a node's path is only spelled out for the error: this runs on
  // every definition parsed, and most of a definition's nodes are strings.
  const seen = new Set<object>([data]);
  const stack: Step[] = [{ node: data, parent: undefined, key: "", depth: 0 }];
  while (stack.length > 0) {
    const step = stack.pop()!;
    const { node, depth } = step;
    if (depth > limits.maxDepth) {
      const path = pathOf(step);
      throw tooLarge(`field "${formatPath(path)}" is nested more than ${limits.maxDepth} levels deep`, path, locator, "limits.maxDepth");
    }
    if (Array.isArray(node)) {
      if (node.length > limits.maxListItems) {
        const path = pathOf(step);
        throw tooLarge(`field "${formatPath(path)}" has ${node.length} items, over the limit of ${limits.maxListItems}`, path, locator, "limits.maxListItems");
      }
      for (let i = 0; i < node.length; i++) visit(node[i], step, i);
    } else {
      const keys = Object.keys(node);
      for (let i = 0; i < keys.length; i++) visit((node as Record<string, unknown>)[keys[i]!], step, keys[i]!);
    }
  }

  function visit(child: unknown, parent: Step, key: string | number): void {
    if (typeof child !== "object" || child === null || seen.has(child)) return;
    seen.add(child);
    stack.push({ node: child, parent, key, depth: parent.depth + 1 });
  }
}

interface Step {
  node: object;
  parent: Step | undefined;
  key: string | number;
  depth: number;
}

function pathOf(step: Step): FieldPath {
  const path: (string | number)[] = [];
  for (let s: Step | undefined = step; s?.parent !== undefined; s = s.parent) path.push(s.key);
  return path.reverse();
}

function tooLarge(message: string, path: FieldPath, locator: Locator, option: string): EnvforgeError {
  return createError("E_INPUT_TOO_LARGE", message, {
    field: path.length > 0 ? formatPath(path) : undefined,
    location: locator.locate(path),
    hint: `split the definition, or raise the engine option \`${option}\` if this is really intended`,
  });
}
