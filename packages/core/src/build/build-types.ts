import type { WarningCode } from "../errors/registry.js";
import type { Artifact, CacheEntry, Lock } from "../cache/types.js";
import type { EngineEvent } from "../engine/events.js";
import type { SourceLocation } from "../definition/location.js";
import type { HostPolicy } from "../policy/policy.js";
import type { CanonicalSpec, Hash, ParsedSpec } from "../definition/spec.js";

/**
 * Options that change how a build runs but never what it builds: index URLs, credentials, network,
 * timeouts. They never reach the hash. Keyed by plugin name so plugins do not collide.
 */
export type BuilderOptions = Record<string, Record<string, unknown> | undefined>;

export interface BuildRequest {
  target: string;
  /** Ignore cache hits and build a new generation (the old one stays until collected). */
  rebuild?: boolean | undefined;
  /**
   * Rollback: serve this generation of the hash and target from the local store (the current one
   * or one a rebuild replaced), checked as any hit is; never builds. A generation that is gone or
   * broken is E_NOT_FOUND naming the generations kept. Does not go with `rebuild`.
   */
  generation?: number | undefined;
  builderOptions?: BuilderOptions | undefined;
  signal?: AbortSignal | undefined;
  /** Milliseconds before the build (and every process it started) is killed. */
  timeoutMs?: number | undefined;
  /**
   * Build only the Python part of the definition (`--python-only`): a target that declares a
   * python-only build (venv) may then leave out the sections it names (`docker:`, `spark:`), and
   * the build says so. Without it, a target that would leave out a section is refused.
   */
  pythonOnly?: boolean | undefined;
}

export interface BuildContext {
  readonly hash: Hash;
  readonly target: string;
  readonly spec: ParsedSpec;
  readonly canonical: CanonicalSpec;
  /**
   * Where the artifact must end up. Builders create it in place (a venv is not relocatable); the
   * engine deletes it if the build fails and only writes the cache entry, last, once it succeeds.
   */
  readonly artifactDir: string;
  /**
   * Scratch space, deleted after the build. Run tools with it as their working directory: when the
   * build is cancelled, times out or its host was killed, the engine stops every process running in
   * this folder or naming the artifact folder on its command line (the whole tree, grandchildren
   * included), whatever the builder itself does.
   */
  readonly workDir: string;
  readonly generation: number;
  /** The previous generation's entry when this is a forced rebuild. */
  readonly previous: CacheEntry | undefined;
  readonly options: BuilderOptions;
  /**
   * The host's folder (`EngineOptions.baseDir`, absolute): a relative path in `options` is the
   * host's and is read against it (`hostPath` of the plugin kit), never against `workDir`.
   */
  readonly baseDir: string;
  /**
   * Sections of the definition this build leaves out, as the request allowed (`pythonOnly`):
   * the engine checked the target carries every other one. Empty for a whole build.
   */
  readonly leftOut: readonly string[];
  /** What the host lets definitions do: a builder refuses what it does not allow (policy.ts). */
  readonly policy: HostPolicy;
  readonly signal: AbortSignal;
  log(line: string, stream?: "stdout" | "stderr" | "info"): void;
  warn(code: WarningCode, message: string, location?: SourceLocation, hint?: string): void;
  emit(event: EngineEvent): void;
}

/** What a builder returns. */
export interface BuildOutput {
  artifact: Artifact;
  lock?: Lock | undefined;
  /** Name of the builder for the entry; defaults to the target. */
  builder?: string | undefined;
  /**
   * What of an artifact folder every hit checks (`cache/seal.ts`); core always seals the folder
   * itself. Paths are relative to the artifact folder.
   */
  seal?: {
    /**
     * Folders, files and links whose stamps every hit compares: ones a damage shows in (a removed
     * package changes `site-packages`) and normal use never writes to (a run writing `__pycache__`
     * must not move them). A link must still lead somewhere (a venv's interpreter); that is all
     * a hit asks of it, so seal its folder too (a link replaced shows in the folder's time).
     */
    paths?: string[] | undefined;
    /** Folders normal use writes into (Spark's Ivy cache): left out of the content digest. */
    volatile?: string[] | undefined;
  } | undefined;
}

export interface BuildResult {
  hash: Hash;
  target: string;
  cached: boolean;
  /** The store that answered when cached. */
  store?: string | undefined;
  entry: CacheEntry;
  timings: Partial<Record<string, number>>;
}
