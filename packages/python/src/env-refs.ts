import { createError, type EnvforgeError, type SourceLocation } from "@envforge/core/plugin-kit";

/**
 * `${NAME}` in a value a definition controls (an index URL, a find-links path, a trusted host).
 * pip's requirement files use it for tokens of private indexes, so it stays possible, but only
 * for variables the host chose to hand over: `policy.passEnv`, or the builder options' `pip.env`
 * (the host's own). Any other name would send whatever the build machine holds under that name
 * to whatever server the definition names.
 */
const REFERENCE = /\$\{([A-Za-z0-9_]+)\}/g;

/** Every variable a value names, in order, with its offset in the value. */
export function envReferences(value: string): Array<{ name: string; offset: number }> {
  return [...value.matchAll(REFERENCE)].map((m) => ({ name: m[1]!, offset: m.index }));
}

export interface EnvSite {
  location: SourceLocation;
  field: string;
}

export function envNotAllowed(name: string, value: string, site: EnvSite): EnvforgeError {
  return createError("E_ENV_NOT_ALLOWED", `"${value}" names the environment variable ${name}, which the host does not pass to builds`, {
    location: site.location,
    field: site.field,
    hint: `a definition may only use variables the host names: pass it with --pass-env ${name} (policy.passEnv), or set it in the builder options (pip.env: { ${name}: ... })`,
    details: { variable: name },
  });
}

/** The first variable `value` names that `allowed` does not hold, refused at `site`. */
export function checkEnvReferences(value: string, allowed: ReadonlySet<string>, site: EnvSite): void {
  for (const ref of envReferences(value)) if (!allowed.has(ref.name)) throw envNotAllowed(ref.name, value, site);
}

/** Expands `${NAME}` from `env`; a name it does not hold stays as written (as pip leaves it). */
export function expandAllowed(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(REFERENCE, (whole, name: string) => env[name] ?? whole);
}
