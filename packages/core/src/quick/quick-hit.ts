import { existsSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { defaultCacheDir } from "../cache/cache-dir.js";
import { entryFile, LAYOUT, readEntryFile, TARGET_NAME } from "../cache/read-entry.js";
import { checkedEntry } from "../cache/seal.js";
import type { CacheEntry } from "../cache/types.js";
import type { EngineEvent } from "../engine/events.js";
import { isInside } from "../files/inside.js";
import { readRegularFileSync } from "../files/regular-file.js";
import { effectiveLimits, type InputLimits } from "../policy/input-limits.js";
import { resolvePolicy, type HostPolicy } from "../policy/policy.js";
import { policyFingerprint } from "../policy/policy-fingerprint.js";
import { lockPathFor } from "../lock/lock-path.js";
import { digestOf, readSourceMemo, sourceMemoPath, type SourceMemoKey } from "./source-memo.js";
import type { Hash } from "../definition/spec.js";

export interface QuickHitRequest {
  /** The definition file (relative paths against `process.cwd()`). */
  file: string;
  target: string;
  /** The same `pipelineId` the engine that resolved the file was created with. */
  pipelineId: string;
  cacheDir?: string | undefined;
  allowFilesOutsideRoot?: boolean | undefined;
  limits?: Partial<InputLimits> | undefined;
  /**
   * The host policy, as the engine was given it (`EngineOptions.policy`): a memo recorded under
   * any other policy is never read.
   */
  policy?: Partial<HostPolicy> | undefined;
  /**
   * Targets with `verify` taps (artifacts outside the cache) whose check the caller makes itself
   * before using the hit, as the taps would (e.g. the image is still in the docker engine). Other
   * such targets are left to the engine.
   */
  verifiedByCaller?: readonly string[] | undefined;
}

export interface QuickHit {
  hash: Hash;
  entry: CacheEntry;
  /** The parse warnings a full run would emit for this definition (redacted when recorded). */
  warnings: Extract<EngineEvent, { type: "warning" }>[];
  /** The definition has a `name`. */
  named: boolean;
  /**
   * The definition's runtime `variables` (`ParsedSpec.variables`), or `undefined` when the memo
   * has none because they hold a secret (source-memo.ts): a caller that reports them runs the engine.
   */
  variables: Record<string, string> | undefined;
  /** The cache folder that answered (absolute). */
  cacheDir: string;
}

/**
 * A fresh process's first cache hit without loading the engine: the source memo written when an
 * engine with the same `pipelineId` last resolved this file (see source-memo.ts), checked against
 * the bytes of every file that went into the hash, then the entry, accepted exactly as the local
 * store accepts it. `undefined` whenever anything differs or is missing — the caller then runs the
 * engine, which answers (and records the memo again). Never throws for a bad file or cache: the
 * full run reports those with their locations.
 *
 * Targets the pipeline has `verify` taps for (images: the taps ask docker or podman whether the
 * image is still there) are not answered here unless the caller makes that check itself
 * (`verifiedByCaller`).
 */
export function quickHit(request: QuickHitRequest): QuickHit | undefined {
  if (!TARGET_NAME.test(request.target)) return undefined;
  const cacheDir = path.resolve(request.cacheDir ?? defaultCacheDir());
  const layoutRoot = path.join(cacheDir, LAYOUT);
  const file = path.resolve(request.file);
  // Resolved exactly as createEngine resolves its options.
  const policy = resolvePolicy({ allowOutsideFiles: request.allowFilesOutsideRoot ?? false, ...request.policy });
  const limits: InputLimits = effectiveLimits(request.limits, policy.limits);
  const key: SourceMemoKey = { pipeline: request.pipelineId, file, policy: policyFingerprint(policy, limits) };
  const memo = readSourceMemo(sourceMemoPath(layoutRoot, key), key);
  if (!memo || (memo.verifiedTargets.includes(request.target) && !request.verifiedByCaller?.includes(request.target))) return undefined;
  if (memo.unfitTargets.includes(request.target)) return undefined; // the engine refuses it (targets.ts)
  try {
    if (!sameBytes(file, memo.digest, limits)) return undefined;
    // A lock that appeared beside the definition since is a new input (and a new hash).
    const lockFile = lockPathFor(file);
    if (lockFile !== file && !memo.inputs.some((i) => i.path === lockFile) && existsSync(lockFile)) return undefined;
    const realRoot = policy.allowOutsideFiles ? undefined : realpathSync(path.dirname(file));
    for (const input of memo.inputs) {
      // The parser refuses a file that now links outside the definition's folder: so does this.
      if (realRoot !== undefined && !isInside(realRoot, realpathSync(input.path))) return undefined;
      if (!sameBytes(input.path, input.digest, limits)) return undefined;
    }
  } catch {
    return undefined; // gone, unreadable: the engine says why
  }
  const hash = memo.hash as Hash;
  const entryPath = entryFile(layoutRoot, { hash, target: request.target });
  const read = readEntryFile(entryPath, { hash, target: request.target });
  // A failed seal is the engine's to report (E_CACHE_CORRUPT), move aside and rebuild.
  const { entry } = read.entry ? checkedEntry(entryPath, read.entry, layoutRoot) : read;
  if (!entry) return undefined;
  return { hash, entry, warnings: memo.warnings, named: memo.named, variables: memo.variables, cacheDir };
}

function sameBytes(file: string, digest: string, limits: InputLimits): boolean {
  if (statSync(file).size > limits.maxFileBytes) return false;
  // Never a blocking open: a FIFO put where a definition was throws here (the engine says what it is).
  return digestOf(readRegularFileSync(file)) === digest;
}
