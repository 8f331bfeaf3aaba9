import { createError } from "../errors/factories.js";
import { LOCK_SECTION } from "../lock/lock-path.js";
import type { SchemaRegistry } from "../definition/schema.js";
import type { CanonicalSpec, ParsedSpec } from "../definition/spec.js";

/**
 * What a build target's artifact can hold. A builder taps `hooks.build.for(name)` and declares
 * here which sections of a definition it carries, so the engine can refuse, before any lookup, a
 * target whose artifact would silently leave part of the definition out (a `spark` folder for a
 * pip list, a venv for `docker:` steps). A target with a builder but no declaration is not
 * checked (a host's own target keeps working as before).
 */
export interface TargetDeclaration {
  name: string;
  /** Sections its artifact carries: names, or a test (image targets carry what has an image fragment). */
  carries: readonly string[] | ((section: string) => boolean);
  /**
   * Sections a python-only build (`BuildRequest.pythonOnly`) may leave out: its artifact is then
   * the Python part of the definition. Absent: the target has no python-only build.
   */
  pythonOnlyLeavesOut?: readonly string[] | undefined;
}

/** The outcome of a check: the sections a python-only build leaves out (empty otherwise). */
export interface TargetFit {
  leftOut: readonly string[];
}

export class TargetRegistry {
  readonly #targets = new Map<string, TargetDeclaration>();

  declare(declaration: TargetDeclaration): void {
    // Two plugins may declare one target (docker's section is registered by docker and podman):
    // the last one wins, as a later tap of the same builder would.
    this.#targets.set(declaration.name, Object.freeze({ ...declaration }));
  }

  get(name: string): TargetDeclaration | undefined {
    return this.#targets.get(name);
  }

  names(): string[] {
    return [...this.#targets.keys()].sort();
  }

  /** The sections of `sections` a target's artifact would not carry (none for an undeclared target). */
  dropped(name: string, sections: readonly string[]): string[] {
    const declaration = this.#targets.get(name);
    if (!declaration) return [];
    const carries = declaration.carries;
    return sections.filter((s) => (typeof carries === "function" ? !carries(s) : !carries.includes(s)));
  }

  /** Declared targets that would leave out one of these sections: the quick path never answers them. */
  unfit(sections: readonly string[]): string[] {
    return this.names().filter((t) => this.dropped(t, sections).length > 0);
  }
}

/** The sections a definition's artifact must carry: those its canonical form holds. */
export function sectionsOf(parsed: ParsedSpec, canonical: CanonicalSpec): string[] {
  // A hashInputs tap may add a host's salt beside the sections: it is no section of the file.
  // The lock (lock/) pins the other sections' packages: each target applies its own part of it.
  return Object.keys(canonical.sections).filter((s) => s in parsed.sections && s !== LOCK_SECTION);
}

/**
 * Refuses a request before any lookup: an unknown target (`E_NO_BUILDER`, naming the known ones),
 * a target whose artifact would leave out a section (`E_TARGET_MISMATCH`, naming them, located
 * at the first), `pythonOnly` on a target without a python-only build (`E_INVALID_VALUE`).
 */
export function checkTarget(
  targets: TargetRegistry,
  hasBuilder: (target: string) => boolean,
  registry: SchemaRegistry,
  resolved: { parsed: ParsedSpec; canonical: CanonicalSpec },
  request: { target: string; pythonOnly?: boolean | undefined },
): TargetFit {
  const { target } = request;
  const known = targets.names();
  if (!hasBuilder(target)) {
    throw createError("E_NO_BUILDER", `no loaded plugin builds the target "${target}"`, {
      field: "target",
      hint: known.length > 0 ? `known targets: ${known.join(", ")}` : "load the plugin that builds it",
    });
  }
  const declaration = targets.get(target);
  if (request.pythonOnly && declaration?.pythonOnlyLeavesOut === undefined) {
    const able = known.filter((t) => targets.get(t)?.pythonOnlyLeavesOut !== undefined);
    throw createError("E_INVALID_VALUE", `--python-only builds a venv from the Python part of a definition; the target "${target}" has no python-only build`, {
      field: "pythonOnly",
      hint: able.length > 0 ? `use it with --target ${able.join(" or --target ")}, or drop --python-only` : "drop --python-only",
    });
  }
  const sections = sectionsOf(resolved.parsed, resolved.canonical);
  const dropped = targets.dropped(target, sections);
  const allowed = request.pythonOnly ? (declaration?.pythonOnlyLeavesOut ?? []) : [];
  const refused = dropped.filter((s) => !allowed.includes(s));
  if (refused.length === 0) return { leftOut: dropped };
  const fitting = known.filter((t) => hasBuilder(t) && targets.dropped(t, sections).length === 0);
  const pythonOnly = known.filter((t) => {
    const leaves = targets.get(t)?.pythonOnlyLeavesOut;
    return leaves !== undefined && hasBuilder(t) && targets.dropped(t, sections).every((s) => leaves.includes(s));
  });
  const where = locateSection(registry, resolved.parsed, refused[0]!);
  const hints = [
    fitting.length > 0 ? `targets that carry all of it: ${fitting.join(", ")}` : "no loaded target carries all of it",
    ...(pythonOnly.length > 0 && !request.pythonOnly ? [`or build only its Python part with --target ${pythonOnly[0]} --python-only`] : []),
  ];
  throw createError("E_TARGET_MISMATCH", `the target "${target}" cannot carry the section${refused.length > 1 ? "s" : ""} ${refused.join(", ")} of this definition: its artifact would leave ${refused.length > 1 ? "them" : "it"} out`, {
    location: where?.location,
    field: where?.field,
    hint: hints.join("; "),
    details: { target, dropped: refused },
  });
}

/** Where a section is written in the file: its first field present there. */
function locateSection(registry: SchemaRegistry, parsed: ParsedSpec, section: string) {
  for (const [field, definition] of registry.fields) {
    if (definition.section !== section) continue;
    let value: unknown = parsed.loaded.data;
    for (const part of field.split(".")) value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined;
    if (value !== undefined) return { field, location: parsed.loaded.locator.locate(field.split("."), true) };
  }
  return undefined;
}
