import type { CacheEntry } from "../cache/types.js";
import type { BuilderOptions } from "../build/build-types.js";
import type { ParsedSpec } from "../definition/spec.js";

/**
 * How to run a command inside a built environment (`envforge run`, `shell`, `activate`): the
 * variables to set, the ones to remove, folders to put first on PATH, and — for environments that
 * are not on this machine's filesystem, such as images — the program that runs the command
 * (`docker run --rm … IMAGE`), to which the command's own argv is appended unchanged.
 */
export interface Activation {
  /**
   * Variables to set (the definition's runtime `variables` are added by the engine, last, except
   * with an `argvPrefix`, whose tap places them itself).
   */
  env: Record<string, string>;
  /** Host variables to remove before running (`PYTHONHOME`, a foreign `VIRTUAL_ENV`). */
  unset?: string[] | undefined;
  /** Folders to put before the host's PATH, first one first. */
  pathPrepend?: string[] | undefined;
  /**
   * A program and its arguments that run the command (an image: `docker run --rm -i IMAGE`):
   * the command's argv is appended. `env` is then the environment of that program: an image
   * tap passes each runtime variable by name (`--env NAME`, the value read from `env`, so it is
   * never on a command line), and a name the program reads itself (PATH, DOCKER_HOST) as
   * `--env NAME=value` instead, leaving it out of `env`.
   */
  argvPrefix?: string[] | undefined;
  /** What a person should know about this activation (e.g. a conda activate.d script not applied). */
  notes?: string[] | undefined;
}

export interface ActivationContext {
  readonly spec: ParsedSpec | undefined;
  /** The definition's runtime `variables` (never hashed): the runner must make them visible inside. */
  readonly variables: Readonly<Record<string, string>>;
  readonly options: BuilderOptions;
  /** Pass stdin through as a terminal (an interactive shell). */
  readonly tty: boolean;
  /** Extra runner options the host asked for (e.g. `mountCwd` for image runs). */
  readonly runOptions: Readonly<Record<string, unknown>>;
}

/** The activation the engine hands to hosts: the target's, with the definition's variables applied. */
export interface ResolvedActivation extends Activation {
  entry: CacheEntry;
}
