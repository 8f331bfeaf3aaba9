import { z } from "zod";
import type { EngineHooks } from "../hooks.js";
import type { HostPolicy } from "../policy/policy.js";
import { createError } from "../errors/factories.js";
import type { CanonicalValue, ParsedSpec } from "./spec.js";
import type { SchemaRegistry } from "./schema.js";

/**
 * The interpreter part of `python:` (version, user- or system-managed, interpreter path). It is
 * not tied to any package manager, so core owns it; `pip`, `conda` and friends are plugins.
 */
export const PYTHON_SECTION = "python";
const TAP = "envforge:python";

interface PythonParsed {
  version?: string | undefined;
  userManaged: boolean;
  interpreterPath?: string | undefined;
}

const VERSION = /^\d+(\.\d+){0,2}$/;

export function applyPythonSection(hooks: EngineHooks): void {
  hooks.schema.tap(TAP, (schema) => {
    schema.field({
      path: "python.version",
      section: PYTHON_SECTION,
      schema: z.string().trim().regex(VERSION, 'a Python version such as "3.11" or "3.11.7"'),
      description: 'interpreter version, e.g. "3.11" (quote it)',
    });
    schema.field({
      path: "python.userManaged",
      section: PYTHON_SECTION,
      schema: z.boolean(),
      description: "true: the user provides the interpreter; nothing is installed",
    });
    schema.field({
      path: "python.interpreterPath",
      section: PYTHON_SECTION,
      schema: z.string().trim().startsWith("/", "an absolute path such as /usr/bin/python3"),
      description: "absolute path of the interpreter (required when userManaged)",
    });
    schema.rule({ kind: "requiredWhen", when: "python.userManaged", equals: true, requires: ["python.interpreterPath"] });
  });
  hooks.parseSection.for(PYTHON_SECTION).tap(TAP, (fields): PythonParsed => ({
    version: (fields["python.version"] as string | undefined)?.trim(),
    userManaged: fields["python.userManaged"] === true,
    interpreterPath: (fields["python.interpreterPath"] as string | undefined)?.trim(),
  }));
  hooks.canonicalizeSection.for(PYTHON_SECTION).tap(TAP, (parsed) => {
    const p = parsed as PythonParsed;
    const out: Record<string, CanonicalValue> = {};
    // Each field changes what runs: which interpreter a user-managed environment uses, whether
    // anything is installed at all, and the interpreter version. Set in key order: the canonical
    // text is then one native JSON.stringify (see serializeCanonical).
    if (p.interpreterPath !== undefined) out.interpreterPath = p.interpreterPath;
    if (p.userManaged) out.userManaged = true;
    if (p.version !== undefined) out.version = p.version;
    return Object.keys(out).length === 0 ? undefined : Object.freeze(out);
  });
}

/** `userManaged: true` needs an interpreter and forbids anything that installs packages. */
export function checkUserManaged(spec: ParsedSpec, registry: SchemaRegistry, policy: HostPolicy): void {
  const python = spec.loaded.data.python as Record<string, unknown> | undefined;
  if (!python || python.userManaged !== true) return;
  const locator = spec.loaded.locator;
  // Refused before any target looks at it: whichever builder runs, a user-managed definition
  // names an interpreter that the build runs (on this machine or in the image).
  if (!policy.allowUserManaged) {
    throw createError("E_POLICY", "python.userManaged names an interpreter the build would run, and the host policy does not allow user-managed environments", {
      field: "python.userManaged",
      location: locator.locate(["python", "userManaged"]),
      hint: "allow it with --allow-user-managed (policy.allowUserManaged), or remove userManaged to let envforge create the environment",
    });
  }
  if (typeof python.interpreterPath !== "string") {
    throw createError("E_MISSING_FIELD", "python.userManaged is true but python.interpreterPath is missing", {
      field: "python.interpreterPath",
      location: locator.locate(["python", "userManaged"]),
      hint: "add `interpreterPath: /path/to/python3`, the interpreter the environment must use",
    });
  }
  for (const [path, def] of registry.fields) {
    if (!def.installs) continue;
    const [, child] = path.split(".");
    if (child !== undefined && python[child] !== undefined) {
      throw createError("E_USER_MANAGED", `python.userManaged is true, so nothing is installed, but "${path}" lists packages`, {
        field: path,
        location: locator.locate(["python", child], true),
        hint: "remove the packages, or set userManaged: false to let envforge create the environment",
      });
    }
  }
}
