/**
 * `@envforge/core/quick`: a fresh process's first cache hit without loading the engine (Node
 * built-ins only). See quick-hit.ts and source-memo.ts.
 */
export { defaultCacheDir } from "./cache/cache-dir.js";
export { PERMISSIVE_POLICY, STRICT_POLICY, matchesName, resolvePolicy, type HostPolicy } from "./policy/policy.js";
export { quickHit, type QuickHit, type QuickHitRequest } from "./quick/quick-hit.js";
export { writeQuickRecord } from "./quick/source-memo.js";
export { readOnlyWarning } from "./cache/read-only.js";
export { NotAFileError, readRegularFileSync } from "./files/regular-file.js";
