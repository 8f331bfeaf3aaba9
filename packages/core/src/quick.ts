/**
 * `@envforge/core/quick`: a fresh process's first cache hit without loading the engine (Node
 * built-ins only). See quick-hit.ts and source-memo.ts.
 */
export { defaultCacheDir } from "./cache-dir.js";
export { PERMISSIVE_POLICY, STRICT_POLICY, matchesName, resolvePolicy, type HostPolicy } from "./policy.js";
export { quickHit, type QuickHit, type QuickHitRequest } from "./quick-hit.js";
export { writeQuickRecord } from "./source-memo.js";
export { readOnlyWarning, unwritable } from "./cache/read-only.js";
export { NotAFileError, readRegularFileSync } from "./regular-file.js";
