// What hosts that embed envforge and authors of plugins need; the parts plugins build with are on
// `@envforge/core/plugin-kit`, the first-hit path on `@envforge/core/quick`.
export { createEngine, type Engine, type EngineOptions, type EnginePlugin, type ResolvedSpec } from "./engine.js";
export { defineSection, definePlugin, type SectionDefinition, type PluginDefinition } from "./define.js";
export type { SectionTypes, SectionName, ParsedSection, CanonicalSection, ParsedSections, CanonicalSections } from "./section-types.js";
export {
  EnvforgeError,
  PluginError,
  isEnvforgeError,
  createError,
  formatError,
  errorInfo,
  type EnvforgeErrorData,
  type ErrorDetails,
  type ErrorCode,
  type ErrorCodeRegistry,
  type ErrorInfo,
  type ErrorKind,
  type WarningCode,
  type WarningCodeRegistry,
  type WarningInfo,
  type PluginCodes,
} from "./errors.js";
export { HASH_PREFIX, isHash, shortHash } from "./canonical.js";
export { canonicalSet } from "./canonical-set.js";
export { sortedSet } from "./sorted-set.js";
export { defaultCacheDir } from "./cache-dir.js";
export { explainCanonical, type Explanation, type FieldDifference } from "./explain.js";
export { PERMISSIVE_POLICY, STRICT_POLICY, type HostPolicy } from "./policy.js";
export { DEFAULT_LIMITS, type InputLimits } from "./limits.js";
export { SCHEMA_ID } from "./json-schema.js";
export type { EngineEvent, EngineEventType, StageName } from "./events.js";
export type { BuildContext, BuildOutput, BuildRequest, BuildResult, BuilderOptions } from "./build-types.js";
export type { CacheEntry, CacheHit, CacheKey, Artifact, Lock } from "./cache/types.js";
export type { Activation, ActivationContext, ResolvedActivation } from "./activation.js";
export type { ActivationRequest, RunRequest, RunResult } from "./run.js";
export type { EngineHooks } from "./hooks.js";
export type { ImageFragment, ImageFragmentContext } from "./image-types.js";
export type { Validation } from "./problems.js";
export type { SourceLocation } from "./location.js";
export type * from "./spec.js";
export type { CanonicalizeContext, ParseContext, SchemaBuilder, SectionFields, FieldDefinition } from "./sections.js";
