/**
 * The flags `envforge build` accepts, declared once: the full CLI declares its commander options
 * from these tables (flag-options.ts: the program's global flags, the request flags build shares
 * with run/shell/activate, build's own), and the quick path (quick-build.ts) reads the same
 * tables to know which flags a cached build may be answered under. A flag added here is thus
 * known to both; one without `quick` sends the command to the full CLI.
 *
 * Lean on purpose: the quick path imports it before anything else is loaded (no commander here).
 */
import type { PolicyFlags } from "./policy-flags.js";
import { PROGRESS_STYLES } from "./render.js";

/** What the quick path keeps of a flag, named as commander names the option's value. */
export interface QuickSettings {
  target?: string | undefined;
  cacheDir?: string | undefined;
  /** auto, tty or plain (`--progress json` goes to the full CLI). */
  progress?: string | undefined;
  /** `--json`: the result as JSON on stdout, every event as a JSON line on stderr (quick-build.ts writes both as the full CLI does). */
  json?: boolean | undefined;
  quiet?: boolean | undefined;
  /** `--no-register` sets it false (commander's `--no-` convention). */
  register?: boolean | undefined;
  /** `--print-artifact-path`: only the artifact's path on stdout. */
  printArtifactPath?: boolean | undefined;
}

/** The keys of `T` whose values are of type `V`. */
type KeysWith<T, V> = { [K in keyof T]-?: NonNullable<T[K]> extends V ? K : never }[keyof T];

/**
 * How the quick path takes a flag: its value, or `true` (`false` for a `--no-` flag), into a
 * setting or into the host policy (the memo is keyed by the policy they make); or not at all —
 * a builder option is used by a build, never by a hit, and not checked before one.
 */
export type QuickUse =
  | { value: KeysWith<QuickSettings, string> }
  | { toggle: KeysWith<QuickSettings, boolean> }
  | { policyList: KeysWith<PolicyFlags, string[]> }
  | { policyToggle: KeysWith<PolicyFlags, boolean> }
  | "ignored";

export interface FlagSpec {
  /** Commander's syntax: `-t, --target <target>`, `--no-index`. */
  readonly flags: string;
  readonly description: string;
  readonly default?: string | boolean | readonly string[] | undefined;
  /** Repeatable: each use adds one value (`each`), or comma-separated values (`commas`). */
  readonly repeat?: "each" | "commas" | undefined;
  /** The only values allowed (commander refuses others). */
  readonly choices?: readonly string[] | undefined;
  /** Absent: the quick path leaves a command with this flag to the full CLI. */
  readonly quick?: QuickUse | undefined;
}

/** The program's flags, valid before or after any command (main.ts hands them to the command). */
export const GLOBAL_FLAGS: readonly FlagSpec[] = Object.freeze([
  { flags: "--cache-dir <dir>", description: "local cache folder (default: $ENVFORGE_CACHE_DIR or ~/.cache/envforge)", quick: { value: "cacheDir" } },
  { flags: "--json", description: "machine-readable output: the result as JSON on stdout, events as JSON lines on stderr", quick: { toggle: "json" } },
  { flags: "-q, --quiet", description: "only warnings and the result", quick: { toggle: "quiet" } },
  {
    flags: "--progress <style>",
    description: "events on stderr: tty (a live view of stages and steps), plain (lines), json (JSON lines); auto: tty on a terminal, else plain",
    choices: PROGRESS_STYLES,
    default: "auto",
    quick: { value: "progress" },
  },
  { flags: "--allow-outside-files", description: "let definitions reference files outside their own folder", quick: { policyToggle: "allowOutsideFiles" } },
  {
    flags: "--strict",
    description: "definitions from strangers: start from the strict host policy (no custom steps, user-managed interpreters, package sources or registries not allowed below, variables like LD_PRELOAD)",
    quick: { policyToggle: "strict" },
  },
  { flags: "--pass-env <name>", description: "a host variable a ${NAME} in a definition may expand to (repeatable, or comma-separated)", repeat: "commas", quick: { policyList: "passEnv" } },
  { flags: "--allow-index-host <host>", description: "under --strict: a package index / find-links / channel host definitions may name (repeatable)", repeat: "commas", quick: { policyList: "allowIndexHost" } },
  { flags: "--allow-registry <registry>", description: "under --strict: a registry base images may come from, e.g. docker.io (repeatable)", repeat: "commas", quick: { policyList: "allowRegistry" } },
  { flags: "--allow-docker-steps", description: "under --strict: allow docker.steps and docker.baseDockerfile", quick: { policyToggle: "allowDockerSteps" } },
  { flags: "--allow-user-managed", description: "under --strict: allow user-managed interpreters (python.userManaged)", quick: { policyToggle: "allowUserManaged" } },
  { flags: "--allow-variable <name>", description: "under --strict: let definitions set this variable (or pattern, e.g. 'PIP_*') (repeatable)", repeat: "commas", quick: { policyList: "allowVariable" } },
  // Plugins from outside (config-plugins.ts): another pipeline than the one the memo names.
  { flags: "--plugin <name-or-path>", description: "load a plugin into the command: an installed package's name or a module's path (repeatable; also envforge.config.{mjs,js,json})", repeat: "each", default: [] },
  // The registry cache tier answers from the registry: the quick path reads only the local cache.
  { flags: "--registry-cache <host/repo>", description: "shared image cache in an OCI registry (or ENVFORGE_REGISTRY_CACHE); credentials from ENVFORGE_REGISTRY_USERNAME/PASSWORD" },
  { flags: "--registry-insecure", description: "the registry speaks plain HTTP (a local registry)" },
  { flags: "--registry-credentials <config.json>", description: "docker config.json with the registry's credentials" },
  { flags: "--no-registry-push", description: "only pull from the registry cache, never push" },
  // Coordinates builds, never hits: a cached build needs no coordinator, yet the quick path leaves it to the full CLI.
  { flags: "--coordinator <redis-url>", description: "one build per hash across machines: leases in Redis at redis://HOST:PORT (or ENVFORGE_COORDINATOR); needs --registry-cache; credentials from ENVFORGE_COORDINATOR_USERNAME/PASSWORD" },
]);

/** How to build on a miss: `build`'s, and `run`/`shell`/`activate`'s (build-request.ts). */
export const BUILD_REQUEST_FLAGS: readonly FlagSpec[] = Object.freeze([
  { flags: "-t, --target <target>", description: "venv, conda, spark, docker, podman", default: "venv", quick: { value: "target" } },
  // A new generation: never an answer from the cache.
  { flags: "--rebuild", description: "build a new generation even on a cache hit" },
  { flags: "--no-register", description: "do not register a named definition in the workspace", quick: { toggle: "register" } },
  // The full CLI checks its value before anything else.
  { flags: "--timeout <seconds>", description: "kill the build (not the command) after this long" },
  // Parsed (and refused when malformed) by the full CLI.
  { flags: "-o, --option <plugin.key=value>", description: "builder option, repeatable (not hashed)", repeat: "each", default: [] },
  { flags: "--find-links <dir-or-url>", description: "pip: where to find wheels (repeatable; not hashed)", repeat: "each", default: [], quick: "ignored" },
  { flags: "--index-url <url>", description: "pip: package index (not hashed)", quick: "ignored" },
  { flags: "--no-index", description: "pip: do not use any package index", quick: "ignored" },
]);

/** `build`'s own flags, after the request flags. */
export const BUILD_FLAGS: readonly FlagSpec[] = Object.freeze([
  { flags: "--dry-run", description: "say whether the build would hit and which store would answer, or what a miss would build; writes nothing" },
  // Needs the lock beside the definition: the full CLI checks it.
  { flags: "--locked", description: "refuse to build unless the definition has a lock (FILE.lock) that satisfies it; the build installs exactly the lock" },
  { flags: "--python-only", description: "venv: build the Python part of a definition that also has docker: or spark: sections (they are left out, and the build says so)" },
  // Rollback: a replaced generation is served by the full CLI (the quick path reads only the current entry).
  { flags: "--generation <n>", description: "serve generation N of this hash and target (envforge cache generations lists them); never builds" },
  {
    flags: "--print-artifact-path",
    description: "print only the artifact's path (an image: its reference) on stdout, for $(envforge build --print-artifact-path FILE)",
    quick: { toggle: "printArtifactPath" },
  },
]);

/** A flag's names (`-t`, `--target`) and whether it takes a value, read from its commander syntax. */
export function flagNames(spec: FlagSpec): { names: string[]; takesValue: boolean; negated: boolean } {
  const words = spec.flags.split(/[ ,|]+/);
  const names = words.filter((w) => w.startsWith("-"));
  return { names, takesValue: words.some((w) => w.startsWith("<") || w.startsWith("[")), negated: names.some((n) => n.startsWith("--no-")) };
}
