import { createError, matchesName, type HostPolicy, type SourceLocation } from "@envforge/core/plugin-kit";

/**
 * The variables of a conda environment are written into the prefix (`conda-meta/state`) and set
 * on every activation: a name the host policy denies (`LD_PRELOAD`, `PATH`, `PYTHONPATH`…) would
 * change which code those runs load, so it is refused where its key is written.
 */
export function checkCondaVariables(
  variables: Readonly<Record<string, string>>,
  policy: HostPolicy,
  site: { field: string; locateKey: (name: string) => SourceLocation },
): void {
  for (const name of Object.keys(variables)) {
    const pattern = policy.deniedVariables.find((p) => matchesName(name, [p]));
    if (pattern === undefined) continue;
    throw createError("E_POLICY", `the host policy does not let a definition set the variable ${name}${pattern === name ? "" : ` (matched by ${pattern})`}: conda sets it on every activation, where it changes what code a run loads`, {
      field: `${site.field}.variables.${name}`,
      location: site.locateKey(name),
      hint: `remove it from the environment's variables, or, if you trust it, allow it: \`--allow-variable ${/^[\w.-]+$/.test(pattern) ? pattern : `'${pattern}'`}\` on the CLI, or leave "${pattern}" out of policy.deniedVariables`,
    });
  }
}
