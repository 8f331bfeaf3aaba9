/**
 * The host policy from the CLI's flags, shared by the full CLI (context.ts) and the quick path
 * (quick-build.ts), which must key the source memo by exactly the policy the engine would use.
 * Lean on purpose: the quick path imports it before anything else is loaded.
 */
import { PERMISSIVE_POLICY, STRICT_POLICY, matchesName, resolvePolicy, type HostPolicy } from "@envforge/core/quick";

export interface PolicyFlags {
  /** Start from STRICT_POLICY instead of the permissive default. */
  strict?: boolean | undefined;
  passEnv?: string[] | undefined;
  allowOutsideFiles?: boolean | undefined;
  allowIndexHost?: string[] | undefined;
  allowRegistry?: string[] | undefined;
  allowDockerSteps?: boolean | undefined;
  allowUserManaged?: boolean | undefined;
  allowVariable?: string[] | undefined;
}

/** Commander's collector for a repeatable flag that also takes comma-separated values. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...splitList(value)];
}

export function splitList(value: string): string[] {
  return value
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/** A usage error in the policy flags (the CLI exits 1 with it). */
export class PolicyFlagError extends Error {}

/**
 * The policy the flags describe. Without `--strict` the base is the permissive preset (a user's
 * own definitions; outside files still refused), and `--allow-index-host`/`--allow-registry` add
 * nothing to its "any". `--allow-variable NAME` removes NAME from the denied list; a name that a
 * pattern (`PIP_*`) denies needs that pattern named.
 */
export function policyFromFlags(flags: PolicyFlags): HostPolicy {
  const base = flags.strict ? STRICT_POLICY : PERMISSIVE_POLICY;
  const widen = (list: readonly string[] | undefined, more: string[] | undefined) =>
    list === undefined || !more?.length ? list : Object.freeze([...new Set([...list, ...more])]);
  const allowed = flags.allowVariable ?? [];
  const deniedVariables = base.deniedVariables.filter((p) => !allowed.includes(p));
  for (const name of allowed) {
    const pattern = deniedVariables.find((p) => matchesName(name, [p]));
    if (pattern !== undefined) {
      throw new PolicyFlagError(`--allow-variable ${name}: the policy denies it by the pattern ${pattern}; name the pattern itself (--allow-variable '${pattern}') to allow every variable it matches`);
    }
  }
  return resolvePolicy(
    {
      passEnv: Object.freeze([...new Set([...base.passEnv, ...(flags.passEnv ?? [])])]),
      allowOutsideFiles: base.allowOutsideFiles || flags.allowOutsideFiles === true,
      indexHosts: widen(base.indexHosts, flags.allowIndexHost),
      baseImageRegistries: widen(base.baseImageRegistries, flags.allowRegistry),
      allowDockerSteps: base.allowDockerSteps || flags.allowDockerSteps === true,
      allowUserManaged: base.allowUserManaged || flags.allowUserManaged === true,
      deniedVariables: Object.freeze(deniedVariables),
    },
    base,
  );
}
