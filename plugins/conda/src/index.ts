export { condaPlugin, PLUGIN, type CondaPluginOptions } from "./plugin.js";
export { activateCondaPrefix, condaActivation } from "./activate.js";
export {
  CONDA_FIELD,
  CONDA_FILE_FIELD,
  SECTION,
  canonicalCondaSection,
  condaFieldSchema,
  type CondaCanonical,
  type CondaSection,
} from "./section.js";
export { MatchSpecError, parseMatchSpec, prepareMatchSpecs, type MatchSpec } from "./matchspec.js";
export { canonicalVersion, type CanonicalVersion } from "./version-spec.js";
export {
  TARGET,
  buildCondaPrefix,
  condaBuilderOptionsSchema,
  planBuild,
  type CondaBuilderOptions,
  type CondaPlan,
} from "./builder.js";
export {
  INSTALL_HINT,
  TOOL_ORDER,
  createArgs,
  explicitLockCommands,
  exportArgs,
  findCondaTool,
  kindOf,
  prefixPython,
  type CondaTool,
  type CreateRequest,
  type ToolKind,
} from "./tool.js";
export { parseExplicit, type ExplicitPackage } from "./lock-output.js";
export { definitionFromEnvironment, importCondaFile, importCondaPrefix, type CondaDefinition, type ImportPrefixOptions } from "./import.js";
export { channelBase, hostSubdir, lockConda, solveConda, type CondaLockOptions, type CondaLockResult, type PreferredCondaPackage, type SolvedCondaPackage } from "./lock.js";
export { channelLocation, condaSubdirOf, lockCondaSection, type CondaSectionLock, type CondaSectionLockOptions } from "./lock-section.js";
export { channelUrl, condaLockOf, explicitCreateArgs, explicitFile, explicitLine } from "./explicit.js";
export { installSpecs } from "./specs.js";
export { lockTap } from "./lock-tap.js";
export { CONDA_FRAGMENT_ORDER, condaCreateScript, condaImageFragment, IMAGE_CONDA_PREFIX, shellQuote } from "./image-fragment.js";
