import type { WarningCode } from "../errors/registry.js";
import type { BuilderOptions } from "./build-types.js";
import type { CanonicalSpec, Hash, ParsedSpec } from "../definition/spec.js";

/**
 * A section's part of a container image: instructions (in the Dockerfile/Containerfile syntax
 * every OCI builder reads) and the files they copy from the build context. Sections contribute
 * these through `hooks.imageFragment`; the image plugins order and assemble them.
 */
export interface ImageFragment {
  /** Layer order, least likely to change first: conda 30, pip 40, spark 50. */
  order: number;
  /** Instructions in order. Every value in them must already be validated or quoted. */
  instructions: string[];
  /** Files to place in the build context, relative to the context root, e.g. `envforge/pip/requirements.txt`. */
  files?: Record<string, string | Uint8Array> | undefined;
  /** Folders on the host to copy into the build context: context-relative path → host path. */
  folders?: Record<string, string> | undefined;
  /**
   * Rendered offline, these instructions differ from what an envforge build puts in the image
   * (Spark left to resolve at first use instead of precached jars). The Dockerfile then carries no
   * hash label, so an image built from it by hand is never taken for the cached build.
   */
  differsFromBuild?: boolean | undefined;
  /**
   * The fragment creates the image's Python environment and checks `python.version` where it does
   * (pip's venv step): the image builder then adds no check of the image's python3 of its own.
   */
  checksPythonVersion?: boolean | undefined;
}

export interface ImageFragmentContext {
  readonly hash: Hash;
  readonly spec: ParsedSpec;
  readonly canonical: CanonicalSpec;
  /** Scratch folder for work a fragment does on the host (e.g. resolving jars once). */
  readonly workDir: string;
  readonly options: BuilderOptions;
  /** Where relative paths in `options` are read from (`BuildContext.baseDir`); absent: the working directory. */
  readonly baseDir?: string | undefined;
  readonly signal: AbortSignal;
  /**
   * The Dockerfile is rendered to be printed or written as a build context, not built now
   * (`envforge dockerfile`): do no network work. A fragment that needs it at build time (Spark's
   * precached jars) returns instructions that are still correct and buildable from the context,
   * and says in a Dockerfile comment how they differ from what an envforge build would do.
   */
  readonly offline?: boolean | undefined;
  log(line: string, stream?: "stdout" | "stderr" | "info"): void;
  warn(code: WarningCode, message: string, hint?: string): void;
}
