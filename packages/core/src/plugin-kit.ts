/**
 * `@envforge/core/plugin-kit`: what plugin authors (and envforge's own packages) build with —
 * the cache's parts, the canonical serializer, locks, seals, tool environments. Hosts need only
 * the main entry.
 */
export * from "./index.js";
export * from "./build/build-types.js";
export * from "./cache/types.js";
export type * from "./workspace-hooks-types.js";
export { LocalStore } from "./cache/local-store.js";
export { acquireLock, findStaleLock, reclaimLock, type HeldLock, type LockHolder, type LockOptions, type LockWatch } from "./cache/lock.js";
export { MemoryStore, MEMORY_RECHECK_MS } from "./cache/memory-store.js";
export { readOnlyWarning, writeFailure, type ReadOnlyErrno } from "./cache/read-only.js";
export { cacheIoError } from "./cache/io-error.js";
export { verifyEntry, type VerifyResult } from "./cache/verify.js";
export { leaseHeld } from "./cache/lease.js";
export { kindOf, NotAFileError, readRegularFile, readRegularFileSync } from "./files/regular-file.js";
export { isInside } from "./files/inside.js";
export { hostPath, hostProgram } from "./files/host-path.js";
export { outsideRoot } from "./files/outside-root.js";
export { hashHex } from "./hash/hash-format.js";
export { serializeCanonical } from "./hash/canonical.js";
export { frozenCopy } from "./hash/freeze.js";
export { didYouMean } from "./definition/did-you-mean.js";
export { parseSourceDocument, type SourceDocument } from "./definition/document.js";
export { formatPath, type FieldPath, type Locator, type SourceLocation } from "./definition/location.js";
export * from "./definition/sections.js";
export { tapSection } from "./definition/define.js";
export { TargetRegistry, type TargetDeclaration, type TargetFit } from "./engine/targets.js";
export * from "./engine/events.js";
export { createRedactor } from "./engine/redact.js";
export { anyWithTimeout, timeoutSignal } from "./engine/timeout-signal.js";
export { BUILTIN_ERRORS, BUILTIN_WARNINGS } from "./errors/codes.js";
export { declareCodes, knownCodes, warningInfo } from "./errors/registry.js";
export { raise } from "./errors/factories.js";
export { isPluginError } from "./errors/envforge-error.js";
export { DANGEROUS_VARIABLES, hostAllowed, matchesName, resolvePolicy } from "./policy/policy.js";
export { TOOL_ENV_ALLOWLIST, toolEnvSecrets, toolEnvironment } from "./policy/tool-env.js";
export { z } from "zod";
export type { Claim, CoordinateContext } from "./build/coordinate-types.js";
export { pythonVersionCheck } from "./definition/python-version-check.js";
export type * from "./lock/lock-types.js";
export { lockPathFor, LOCK_SECTION } from "./lock/lock-path.js";
export { parseLockText } from "./lock/lock-read.js";
export { formatLock } from "./lock/lock-write.js";
export { canonicalLock, normalizeLock } from "./lock/lock-canonical.js";
export type * from "./lock/lock-hook-types.js";
export { hostLockPlatform, resolveLock, type ResolveLockRequest, type ResolvedLock } from "./lock/lock-resolve.js";
export { diffLocks, formatLockChange, type LockChange } from "./lock/lock-diff.js";
