import type { InputLimits } from "./limits.js";

/**
 * What the host lets a definition do. A definition is data from a stranger: it may name packages
 * and images, but reaching the host's secrets, its files, or running code the host did not choose
 * is the host's decision, made here, once, and read by core and every plugin (`engine.policy`,
 * `ParseContext.policy`, `BuildContext.policy`).
 *
 * `createEngine()` without a policy keeps the permissive defaults below (what an embedding host
 * got before policies existed); `STRICT_POLICY` is for definitions from people the host does not
 * trust (CI of pull requests, a shared service).
 */
export interface HostPolicy {
  /**
   * Host environment variables a `${NAME}` in a value from a definition (an index URL, a
   * find-links path, a requirement URL) may expand to. Any other `${NAME}` is an error located
   * where it was written; builder options' own `env` (set by the host) is always allowed.
   */
  readonly passEnv: readonly string[];
  /** Files a definition names (requirement files, conda files, Dockerfiles, find-links folders) may lie outside its folder. */
  readonly allowOutsideFiles: boolean;
  /**
   * Hosts a definition's package sources may name: pip index and find-links URLs, Spark
   * repositories, conda channel URLs. `undefined`: any host. A host given by the host's builder
   * options is always allowed.
   */
  readonly indexHosts: readonly string[] | undefined;
  /** Registries a base image may come from (`docker.io`, `ghcr.io`, `localhost:5000`). `undefined`: any. */
  readonly baseImageRegistries: readonly string[] | undefined;
  /** Custom Docker steps (`docker.steps`) and a definition's own Dockerfile (`docker.baseDockerfile`) run commands at build time. */
  readonly allowDockerSteps: boolean;
  /**
   * A definition may name an interpreter on this machine, which the build runs: a user-managed
   * one (checked and used as is) or a system-managed `interpreterPath` (the venv's base).
   */
  readonly allowUserManaged: boolean;
  /**
   * Names of `variables` a definition may set for a run are refused when they match one of these
   * (exact names, or prefixes ending in `*`): they change what code runs (`LD_PRELOAD`, `PATH`).
   */
  readonly deniedVariables: readonly string[];
  /** Bounds on input; with the engine's `limits`, the tighter of each bound applies (`effectiveLimits`). */
  readonly limits: Partial<InputLimits>;
}

/** Variables that change which code a process loads or runs: never a stranger's to set. */
export const DANGEROUS_VARIABLES: readonly string[] = Object.freeze([
  "LD_PRELOAD",
  "LD_LIBRARY_PATH",
  "LD_AUDIT",
  "DYLD_*",
  "PATH",
  "PYTHONPATH",
  "PYTHONHOME",
  "PYTHONSTARTUP",
  "PYTHONUSERBASE",
  "PYTHONINSPECT",
  "PYTHONBREAKPOINT",
  "PYTHONEXECUTABLE",
  "PERL5LIB",
  "PERL5OPT",
  "RUBYOPT",
  "RUBYLIB",
  "NODE_OPTIONS",
  "NODE_PATH",
  "JAVA_TOOL_OPTIONS",
  "_JAVA_OPTIONS",
  "JDK_JAVA_OPTIONS",
  "CLASSPATH",
  "BASH_ENV",
  "ENV",
  "SHELLOPTS",
  "PROMPT_COMMAND",
  "IFS",
  "GCONV_PATH",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "REQUESTS_CA_BUNDLE",
  "PIP_*",
  "CONDA_*",
  "SPARK_*",
  "HOME",
]);

/** What `createEngine()` does without a policy: a user's own definitions, nothing refused but secrets. */
export const PERMISSIVE_POLICY: HostPolicy = Object.freeze({
  passEnv: Object.freeze([]),
  allowOutsideFiles: false,
  indexHosts: undefined,
  baseImageRegistries: undefined,
  allowDockerSteps: true,
  allowUserManaged: true,
  deniedVariables: Object.freeze([]),
  limits: Object.freeze({}),
});

/**
 * For definitions from strangers: no outside files, no package source or registry the host did not
 * name, no custom steps, no user-managed interpreter, no variable that changes what code runs, and
 * tighter input bounds. A host widens it field by field (`{ ...STRICT_POLICY, indexHosts: [...] }`).
 */
export const STRICT_POLICY: HostPolicy = Object.freeze({
  passEnv: Object.freeze([]),
  allowOutsideFiles: false,
  indexHosts: Object.freeze([]),
  baseImageRegistries: Object.freeze([]),
  allowDockerSteps: false,
  allowUserManaged: false,
  deniedVariables: DANGEROUS_VARIABLES,
  limits: Object.freeze({ maxFileBytes: 1024 * 1024, maxReferencedFiles: 16, maxFileLines: 5_000, maxListItems: 2_000, maxDepth: 16 }),
});

/** A policy from a partial one, over a preset (default: permissive). */
export function resolvePolicy(partial: Partial<HostPolicy> | undefined, base: HostPolicy = PERMISSIVE_POLICY): HostPolicy {
  return Object.freeze({ ...base, ...partial });
}

/** True when `name` matches an entry of `patterns` (exact, or a prefix ending in `*`). */
export function matchesName(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith("*") ? name.startsWith(p.slice(0, -1)) : name === p));
}

/** True when a host (`files.example.com`, `localhost:8080`) is allowed by `allowed` (`undefined`: any). */
export function hostAllowed(host: string, allowed: readonly string[] | undefined): boolean {
  if (allowed === undefined) return true;
  const h = host.toLowerCase();
  const bare = h.replace(/:\d+$/, "");
  return allowed.some((a) => {
    const x = a.toLowerCase();
    return x === h || x === bare || (x.startsWith("*.") && bare.endsWith(x.slice(1)));
  });
}
