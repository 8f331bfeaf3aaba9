export * from "./definition.js";
export * from "./registry/types.js";
export { checkLabel, checkName, checkVersion, formatRef, LATEST, parseRef, RESERVED_PREFIX, type EnvironmentRef } from "./registry/refs.js";
export { applyOperation, emptyState, type RegistryOperation, type RegistryState, type StoredEnvironment, type StoredVersion } from "./registry/state.js";
export { MemoryRegistry, StateRegistry } from "./registry/state-registry.js";
export { FileRegistry, type FileRegistryOptions } from "./registry/file-registry.js";
