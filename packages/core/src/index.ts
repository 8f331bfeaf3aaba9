// What hosts that embed envforge and authors of plugins need; the parts plugins build with are on
// `@envforge/core/plugin-kit`, the first-hit path on `@envforge/core/quick`.
export { createEngine, type Engine, type EngineOptions, type EnginePlugin, type ResolvedSpec } from "./engine/engine.js";
export { defineSection, definePlugin, type SectionDefinition, type PluginDefinition } from "./definition/define.js";
export type { SectionTypes, SectionName, ParsedSection, CanonicalSection, ParsedSections, CanonicalSections } from "./definition/section-types.js";
export { EnvforgeError, PluginError, isEnvforgeError, formatError, type EnvforgeErrorData } from "./errors/envforge-error.js";
export { createError, type ErrorDetails } from "./errors/factories.js";
export { errorInfo, type ErrorCode, type ErrorCodeRegistry, type WarningCode, type WarningCodeRegistry, type PluginCodes } from "./errors/registry.js";
export type { ErrorInfo, ErrorKind, WarningInfo } from "./errors/codes.js";
export { HASH_PREFIX, isHash, shortHash } from "./hash/hash-format.js";
export { canonicalSet } from "./hash/canonical-set.js";
export { sortedSet } from "./hash/sorted-set.js";
export { defaultCacheDir } from "./cache/cache-dir.js";
export type { Explanation, FieldDifference } from "./hash/explain.js";
export { PERMISSIVE_POLICY, STRICT_POLICY, type HostPolicy } from "./policy/policy.js";
export { DEFAULT_LIMITS, type InputLimits } from "./policy/limits.js";
export { SCHEMA_ID } from "./definition/json-schema.js";
export type { EngineEvent, EngineEventType, StageName } from "./engine/events.js";
export type { BuildContext, BuildOutput, BuildRequest, BuildResult, BuilderOptions } from "./build/build-types.js";
export type { CacheEntry, CacheHit, CacheKey, Artifact, Lock } from "./cache/types.js";
export type { Activation, ActivationContext, ResolvedActivation } from "./run/activation.js";
export type { ActivationRequest, RunRequest, RunResult } from "./run/run.js";
export type { EngineHooks } from "./hooks.js";
export type { ImageFragment, ImageFragmentContext } from "./build/image-types.js";
export type { Validation } from "./definition/problems.js";
export type { SourceLocation } from "./definition/location.js";
export type * from "./definition/spec.js";
export type { CanonicalizeContext, ParseContext, SchemaBuilder, SectionFields, FieldDefinition } from "./definition/sections.js";
