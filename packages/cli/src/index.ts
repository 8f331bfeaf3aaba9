export { main, createProgram, type MainOptions } from "./main.js";
export { EXIT, exitCodeOf } from "./exit-codes.js";
export { cliHint } from "./cli-hints.js";
export { processIO, type CliIO } from "./io.js";
export { bundledPlugins, type RemoteCacheSettings } from "./plugins.js";
export { quickBuild } from "./quick-build.js";
export { versionAnswer, cliVersion } from "./version.js";
export { CLI_PIPELINE_ID } from "./pipeline.js";
