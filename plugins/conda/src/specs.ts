import { parseMatchSpec } from "./matchspec.js";
import type { CondaCanonical } from "./section.js";

/**
 * What a conda build installs: the section's dependencies, plus `python=<python.version>` (the
 * interpreter the definition asks for) and `python` + `pip` for a pip part, when the list does not
 * name them. The builder and the lock use this one list, so a lock covers what a build installs.
 * Call `prepareMatchSpecs()` first.
 */
export function installSpecs(conda: CondaCanonical, python: string | undefined, pip: boolean): { specs: string[]; added: string[] } {
  const specs = [...conda.dependencies];
  const names = new Set(specs.map((s) => parseMatchSpec(s).name));
  const added: string[] = [];
  const add = (spec: string) => {
    const parsed = parseMatchSpec(spec);
    if (names.has(parsed.name)) return;
    names.add(parsed.name);
    specs.push(parsed.canonical);
    added.push(parsed.canonical);
  };
  if (python !== undefined) add(`python=${python}`);
  if (pip) {
    add("python");
    add("pip");
  }
  return { specs, added };
}
