import type { ErrorKind } from "../errors/codes.js";
import type { Hash, ParsedSpec, SpecSource } from "../definition/spec.js";
import type { BuilderOptions, BuildRequest, BuildResult } from "./build-types.js";

/** One definition of a batch (`engine.buildAll`). */
export interface BatchItem {
  source: SpecSource | ParsedSpec;
  /** How the summary names it (a CLI's REF); default `#<index>`. */
  ref?: string | undefined;
}

/**
 * Where a batch builds: a name and the builder options that choose the engine (`{ docker: { host } }`,
 * `{ podman: { url } }`), laid over the request's. Each lane runs at most `concurrency` builds at once.
 */
export interface BuildLane {
  name: string;
  builderOptions?: BuilderOptions | undefined;
  /**
   * Asked after a build failed on this lane: throws when the lane's engine itself is at fault
   * (unreachable), so its builds move to another lane; resolves when the engine is fine, so the
   * failure is the definition's own and is not moved. Without it only E_TOOL_NOT_FOUND moves a build.
   */
  check?: ((signal: AbortSignal) => Promise<void>) | undefined;
}

/** A build request for every item; a batch builds (a `generation` to serve is one build's business). */
export interface BatchRequest extends Omit<BuildRequest, "builderOptions" | "generation"> {
  /** Every lane's base; a lane's own options win per plugin key. */
  builderOptions?: BuilderOptions | undefined;
  /** Default: one lane, `local`, with the request's builder options. */
  lanes?: readonly BuildLane[] | undefined;
  /** Builds at once per lane (default 2). */
  concurrency?: number | undefined;
}

/** What a failed item reports: its error as data (the code's kind gives a CLI its exit status). */
export interface BatchError {
  code: string;
  kind: ErrorKind;
  message: string;
  hint?: string | undefined;
}

export interface BatchItemResult {
  ref: string;
  /** Absent when the definition did not resolve. */
  hash?: Hash | undefined;
  status: "built" | "hit" | "failed";
  /** The lane that built it (or last tried to); absent for a hit before any build. */
  lane?: string | undefined;
  /** The store that answered a hit. */
  store?: string | undefined;
  /** Lanes whose engine failed under this item's build before it moved on. */
  movedFrom?: string[] | undefined;
  error?: BatchError | undefined;
  /** The result shared by every item of the same (hash, target). */
  result?: BuildResult | undefined;
}

export interface BatchLaneSummary {
  name: string;
  built: number;
  failed: number;
  /** Sum of the time its builds ran (more than the wall time when they overlap). */
  busyMs: number;
  /** Set once its engine failed: its queued and failed builds went to other lanes. */
  down?: BatchError | undefined;
}

export interface BatchResult {
  items: BatchItemResult[];
  lanes: BatchLaneSummary[];
  totals: { items: number; distinct: number; built: number; hit: number; failed: number };
  wallMs: number;
}
