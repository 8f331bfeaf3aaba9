import { createError } from "../errors/factories.js";
import { matchesName, type HostPolicy } from "./policy.js";
import type { ParsedSpec } from "../definition/spec.js";

/**
 * A definition's `variables` are set for every run of the environment: a name the host policy
 * denies (`LD_PRELOAD`, `PATH`, `PYTHONPATH`…) would change which code those runs load, so it is
 * refused where the name is written, before anything is hashed or built.
 */
export function checkDeniedVariables(spec: ParsedSpec, policy: HostPolicy): void {
  if (policy.deniedVariables.length === 0) return;
  for (const name of Object.keys(spec.variables)) {
    const pattern = policy.deniedVariables.find((p) => matchesName(name, [p]));
    if (pattern === undefined) continue;
    const by = pattern === name ? "" : ` (matched by ${pattern})`;
    throw createError("E_POLICY", `the host policy does not let a definition set the variable ${name}${by}: it changes what code a run loads`, {
      field: `variables.${name}`,
      location: spec.loaded.locator.locate(["variables", name], true),
      hint: `remove it from the definition, or, if you trust it, allow it: \`--allow-variable ${shellWord(pattern)}\` on the CLI, or leave "${pattern}" out of policy.deniedVariables`,
    });
  }
}

function shellWord(text: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(text) ? text : `'${text}'`;
}
