export * from "./errors/codes.js";
export * from "./errors/registry.js";
export * from "./errors/envforge-error.js";
export * from "./errors/factories.js";
