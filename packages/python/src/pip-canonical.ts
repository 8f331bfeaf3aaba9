import type { CanonicalValue } from "@envforge/core/plugin-kit";

/**
 * The canonical pip section, as hashed and as builders read it: a sorted, deduplicated array of
 * canonical requirement lines, or `{ requirements, constraints?, options? }` when constraints or
 * install-changing options (`--pre`, `--no-binary=…`) are present. A JSON shape (a type, not an
 * interface): it is hashed. The pip plugin makes it; the venv, conda and image builders read it.
 */
export type PipCanonical = string[] | { requirements: string[]; constraints?: string[]; options?: string[] };

/** The canonical pip section in one shape, whichever form it was hashed in. */
export interface PipCanonicalParts {
  requirements: string[];
  constraints: string[];
  options: string[];
}

/**
 * Reads either form. Takes any canonical value: a builder of another plugin (conda) reads the pip
 * section where the pip plugin's `SectionTypes` entry may not be in view.
 */
export function pipCanonicalParts(value: PipCanonical | CanonicalValue | undefined): PipCanonicalParts {
  if (value === undefined || value === null) return { requirements: [], constraints: [], options: [] };
  if (Array.isArray(value)) return { requirements: value as string[], constraints: [], options: [] };
  const v = value as Record<string, CanonicalValue>;
  return {
    requirements: (v.requirements as string[] | undefined) ?? [],
    constraints: (v.constraints as string[] | undefined) ?? [],
    options: (v.options as string[] | undefined) ?? [],
  };
}

/**
 * The files pip installs a canonical section from: `requirements.txt` (options, then requirements)
 * and, when there are constraints, `constraints.txt` — referenced from the first by `-c`.
 */
export function pipInstallFiles(value: PipCanonical | CanonicalValue | undefined, constraintsName = "constraints.txt"): { requirements: string; constraints?: string } {
  const parts = pipCanonicalParts(value);
  const lines = [...parts.options];
  if (parts.constraints.length > 0) lines.push(`-c ${constraintsName}`);
  lines.push(...parts.requirements);
  const out: { requirements: string; constraints?: string } = { requirements: `${lines.join("\n")}\n` };
  if (parts.constraints.length > 0) out.constraints = `${parts.constraints.join("\n")}\n`;
  return out;
}
