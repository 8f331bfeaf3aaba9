/**
 * `@envforge/core/plugin-kit`: what plugin authors (and envforge's own packages) build with —
 * the cache's parts, the canonical serializer, locks, seals, tool environments. Hosts need only
 * the main entry.
 */
export * from "./index.js";
export * from "./build-types.js";
export * from "./cache/types.js";
export { LocalStore, entryKey } from "./cache/local-store.js";
export { acquireLock, findStaleLock, reclaimLock, type HeldLock, type LockHolder, type LockOptions, type LockWatch } from "./cache/lock.js";
export { MemoryStore, MEMORY_RECHECK_MS } from "./cache/memory-store.js";
export { readOnlyWarning, unwritable, writeFailure, type ReadOnlyErrno } from "./cache/read-only.js";
export { cacheIoError, errnoOf } from "./cache/io-error.js";
export { kindOf, NotAFileError, readRegularFile, readRegularFileSync } from "./regular-file.js";
export { checkSeal, takeSeal, type SealVerdict } from "./cache/seal.js";
export { digestTree, TREE_ALGORITHM, type TreeManifest } from "./cache/content-digest.js";
export { verifyEntry, type VerifyResult } from "./cache/verify.js";
export { hashCanonicalText, hashHex, serializeCanonical } from "./canonical.js";
export { didYouMean } from "./did-you-mean.js";
export { isInside } from "./inside.js";
export { outsideRoot } from "./outside-root.js";
export { parseSourceDocument, type SourceDocument } from "./document.js";
export { TargetRegistry, type TargetDeclaration, type TargetFit } from "./targets.js";
export { BUILTIN_ERRORS, BUILTIN_WARNINGS, declareCodes, knownCodes, raise, warningInfo, isPluginError } from "./errors.js";
export * from "./events.js";
export { createHooks } from "./hooks.js";
export * from "./location.js";
export { sortProblems } from "./problems.js";
export { createRedactor } from "./redact.js";
export * from "./sections.js";
export { tapSection } from "./define.js";
export { deepFreeze, frozenCopy } from "./freeze.js";
export { DANGEROUS_VARIABLES, hostAllowed, matchesName, resolvePolicy } from "./policy.js";
export { policyFingerprint } from "./policy-fingerprint.js";
export { TOOL_ENV_ALLOWLIST, toolEnvSecrets, toolEnvironment } from "./tool-env.js";
export { activatedEnv } from "./run.js";
export { leaseHeld, LEASE_STALE_MS } from "./cache/lease.js";
