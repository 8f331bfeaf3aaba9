/**
 * The one table of envforge's own codes. Hosts match on codes, so a code is never renamed or
 * reused; new ones are added here (and ERRORS.md is regenerated from this table: `npm run errors-doc`).
 * Plugins declare codes of their own with `definePlugin({ errors })` (registry.ts).
 */

/** What kind of fault a code names; the CLI's exit status derives from it (1, 2, 3). */
export type ErrorKind = "input" | "build" | "internal";

export interface ErrorInfo {
  readonly kind: ErrorKind;
  /** One sentence: what went wrong. */
  readonly meaning: string;
  /** The advice given when the site that raised it has no better one. Names engine options, not CLI flags. */
  readonly hint?: string | undefined;
}

export interface WarningInfo {
  readonly meaning: string;
  readonly hint?: string | undefined;
}

export const BUILTIN_ERRORS = {
  E_ABORTED: { kind: "build", meaning: "The build was cancelled (its signal was aborted); nothing was recorded." },
  E_BUILD_FAILED: { kind: "build", meaning: "A builder's tool failed; the artifact was removed and no entry was written.", hint: "read the build log: the tool's whole output is there" },
  E_CACHE_CORRUPT: { kind: "input", meaning: "A cache entry failed its seal or schema check; it is moved aside and treated as a miss." },
  E_CACHE_IO: { kind: "build", meaning: "The cache folder could not be read or written (permissions, a full disk, a read-only mount).", hint: "check the cache folder's permissions and free space, or give another cacheDir" },
  E_CONFLICT: { kind: "input", meaning: "The registry or workspace already holds something different under that name and version." },
  E_CONFLICTING_FIELDS: { kind: "input", meaning: "Two fields of the definition that exclude each other are both set." },
  E_CONFLICTING_PINS: { kind: "input", meaning: "One package is pinned to versions no release can satisfy at once." },
  E_ENV_NOT_ALLOWED: { kind: "input", meaning: "The definition names a host variable the host did not pass.", hint: "pass it with the host policy's passEnv (policy.passEnv), or write the value into the definition" },
  E_FILE_NOT_FOUND: { kind: "input", meaning: "A file the definition or a command names does not exist or is not a regular file." },
  E_FILE_OUTSIDE_ROOT: { kind: "input", meaning: "A referenced file lies outside the definition's folder.", hint: "move the file beside the definition, or allow it with the engine option allowFilesOutsideRoot" },
  E_INPUT_TOO_LARGE: { kind: "input", meaning: "A definition or referenced file exceeds an input limit (bytes, depth, items)." },
  E_INTERNAL: { kind: "internal", meaning: "Something that is not an envforge error escaped: a bug.", hint: "this is a bug; rerun with ENVFORGE_DEBUG=1 for a stack trace and report it" },
  E_INVALID_COORDINATE: { kind: "input", meaning: "A Spark package is not a valid Maven coordinate (group:artifact:version)." },
  E_INVALID_IMAGE_REFERENCE: { kind: "input", meaning: "A base image is not a valid image reference." },
  E_INVALID_LOCK: { kind: "input", meaning: "A definition's lock file (`env.lock`) is not a valid lock (LOCK.md).", hint: "delete it and write it again with `envforge lock`" },
  E_INVALID_MATCHSPEC: { kind: "input", meaning: "A conda dependency is not a valid match spec." },
  E_INVALID_REQUIREMENT: { kind: "input", meaning: "A pip requirement is not valid PEP 508 (or a pip option envforge does not accept)." },
  E_INVALID_VALUE: { kind: "input", meaning: "A field, option or argument has a value outside what is valid." },
  E_INVALID_YAML: { kind: "input", meaning: "A definition or referenced file is not well-formed YAML or JSON." },
  E_LOCK_MISMATCH: { kind: "input", meaning: "The lock was made for another Python version or platform than the build's, or no longer satisfies the definition.", hint: "run `envforge lock` again for this definition (with --python-version/--platform for another target)" },
  E_MISSING_FIELD: { kind: "input", meaning: "A field the definition needs is missing." },
  E_NO_BUILDER: { kind: "input", meaning: "No loaded plugin builds the requested target." },
  E_NO_PLUGIN: { kind: "input", meaning: "A field of the definition belongs to a section no loaded plugin handles." },
  E_NOT_FOUND: { kind: "input", meaning: "The named definition, entry, version or generation does not exist." },
  E_PLUGIN: { kind: "internal", meaning: "A plugin threw something that is not an envforge error: a fault of the plugin.", hint: "report it to the plugin's authors" },
  E_PLUGIN_LOAD: {
    kind: "input",
    meaning: "A plugin the command was told to load (envforge.config.*, --plugin) is missing, fails to import, or exports no plugin.",
    hint: "check the name or path and that the module's default export (or `plugin` / `plugins`) is a plugin, a list of them, or a function returning them",
  },
  E_POLICY: { kind: "input", meaning: "The host's policy does not allow what the definition asks (a host, a registry, Docker steps, a variable)." },
  E_REGISTRY_CORRUPT: { kind: "input", meaning: "The workspace registry's files are damaged beyond automatic repair." },
  E_TARGET_MISMATCH: { kind: "input", meaning: "The target cannot carry every section of the definition.", hint: "choose a target that carries them, or ask for a Python-only build (pythonOnly)" },
  E_TIMEOUT: { kind: "build", meaning: "The build ran longer than its timeout and was stopped.", hint: "raise timeoutMs" },
  E_TOOL_NOT_FOUND: { kind: "build", meaning: "A tool the builder needs (python, pip, docker, podman, java) is not installed or not reachable." },
  E_UNKNOWN_KEY: { kind: "input", meaning: "The definition has a field no section declares." },
  E_USER_MANAGED: { kind: "input", meaning: "A user-managed interpreter was asked to install packages, or is not allowed by the host." },
  E_WRONG_TYPE: { kind: "input", meaning: "A field has the wrong type (a string where a list belongs)." },
} as const satisfies Record<string, ErrorInfo>;

export const BUILTIN_WARNINGS = {
  W_ARTIFACT_GONE: { meaning: "A recorded build's artifact is gone (an image removed from the engine); it is rebuilt as a new generation." },
  W_BUILD_OPTION: { meaning: "A pip option in the definition changes how packages are fetched, not what is installed; it is not hashed." },
  W_CACHE_READ_ONLY: { meaning: "The cache is read-only: hits are served, nothing is recorded." },
  W_DAEMON_UNREACHABLE: { meaning: "The Docker daemon did not answer; its image store is skipped for this lookup." },
  W_ENV_NOT_PASSED: { meaning: "A build option names a host variable that is not passed to tools." },
  W_INTERPRETER_IGNORED: { meaning: "python.interpreterPath does not apply to this target (a conda environment brings its own)." },
  W_INTERPRETER_OVERRIDDEN: { meaning: "The host's builder option chose the interpreter instead of python.interpreterPath." },
  W_NO_IMAGE_FRAGMENT: { meaning: "A section contributes nothing to images: no loaded plugin renders its layer." },
  W_PODMAN_UNREACHABLE: { meaning: "Podman did not answer; its image store is skipped for this lookup." },
  W_PROMOTE_INCOMPLETE: { meaning: "A generation was made current again, but a name outside the cache (an image tag) could not be moved to it." },
  W_PYTHON_ONLY: { meaning: "A Python-only build leaves sections of the definition out of the artifact." },
  W_REGISTRY_ANNOTATE_FAILED: { meaning: "An image was pushed, but the envforge annotations could not be added to its manifest." },
  W_REGISTRY_CREDENTIALS: { meaning: "The registry credentials could not be read; the registry is used without them." },
  W_REGISTRY_MISMATCH: { meaning: "The registry's tag for a hash carries another hash's label; it is ignored." },
  W_REGISTRY_PULL_FAILED: { meaning: "The registry holds the image but it could not be pulled; it is built locally." },
  W_REGISTRY_PUSH_FAILED: { meaning: "The image was built but could not be pushed to the registry cache." },
  W_REGISTRY_UNAVAILABLE: { meaning: "The registry cache did not answer; the build goes on locally." },
  W_SPARK_NOT_PRECACHED: { meaning: "A Dockerfile rendered offline leaves Spark's jars to resolve at first use." },
  W_UNPINNED: { meaning: "A package has no exact version: the first build decides which release it gets.", hint: "pin it (envforge pin writes the versions the build found)" },
  W_VERSION_CONFLICT: { meaning: "Two Spark packages need different versions of one jar; the newest was taken." },
} as const satisfies Record<string, WarningInfo>;

export type BuiltinErrorCode = keyof typeof BUILTIN_ERRORS;
export type BuiltinWarningCode = keyof typeof BUILTIN_WARNINGS;
