import type { BuilderOptions } from "./build-types.js";
import type { CanonicalSpec, Hash, ParsedSpec } from "./spec.js";

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
}

export interface ImageFragmentContext {
  readonly hash: Hash;
  readonly spec: ParsedSpec;
  readonly canonical: CanonicalSpec;
  /** Scratch folder for work a fragment does on the host (e.g. resolving jars once). */
  readonly workDir: string;
  readonly options: BuilderOptions;
  readonly signal: AbortSignal;
  log(line: string, stream?: "stdout" | "stderr" | "info"): void;
  warn(code: string, message: string, hint?: string): void;
}
