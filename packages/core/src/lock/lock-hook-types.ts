import type { BuilderOptions } from "../build/build-types.js";
import type { EngineEvent } from "../engine/events.js";
import type { WarningCode } from "../errors/registry.js";
import type { SourceLocation } from "../definition/location.js";
import type { CanonicalSpec, Hash, ParsedSpec } from "../definition/spec.js";
import type { HostPolicy } from "../policy/policy.js";
import type { EnvLock } from "./lock-types.js";

/**
 * What a section's `lock` tap is asked (`hooks.lock.for(section)`): resolve the section completely
 * for one Python version and platform, without building. `envforge lock` drives it; core knows no
 * ecosystem.
 */
export interface LockRequest {
  /** The Python version to resolve for (`3.11`): `--python-version`, else the definition's `python.version`. */
  python?: string | undefined;
  /** The platform to resolve for (`linux-x86_64`): `--platform`, else this machine's. */
  platform: string;
  /**
   * Set when the Python version or platform was given for another machine (an image's lock): pip
   * resolves binary-only for them rather than running the local interpreter's view.
   */
  foreign: boolean;
  /** The current lock: what still satisfies the definition is kept. */
  previous?: EnvLock | undefined;
  /** Re-resolve everything (`--upgrade`). */
  upgrade: boolean;
  /** Re-resolve these packages only (`--upgrade-package NAME`), by name as written. */
  upgradePackages: readonly string[];
}

/** What a `lock` tap may use: the definition, the host's builder options and policy, a scratch folder. */
export interface LockContext {
  readonly hash: Hash;
  readonly spec: ParsedSpec;
  readonly canonical: CanonicalSpec;
  /** The same builder options a build takes (index URLs, find-links, mirrors): never written to the lock. */
  readonly options: BuilderOptions;
  readonly baseDir: string;
  readonly policy: HostPolicy;
  /** Scratch space, deleted afterwards. */
  readonly workDir: string;
  readonly signal: AbortSignal;
  log(line: string, stream?: "stdout" | "stderr" | "info"): void;
  warn(code: WarningCode, message: string, location?: SourceLocation, hint?: string): void;
  emit(event: EngineEvent): void;
}

/** A section's part of the lock: the fields it owns (pip, conda, spark, image), and `python` when it decided one. */
export type LockPart = Partial<Omit<EnvLock, "version" | "platform">>;
