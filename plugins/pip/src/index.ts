export { pipPlugin, pipSection, PIP_PLUGIN, VENV_TARGET, type PipPluginOptions } from "./plugin.js";
export { PIP_SECTION, canonicalPipSection } from "./section.js";
export type { PipParsed } from "./collect.js";
export type { PipRequirement } from "./requirement.js";
export { interpretRequirement } from "./requirement.js";
export { importRequirementsFile, importRequirementsText, type ImportedRequirements } from "./import.js";
export { parseRequirementsText, type RequirementsLine } from "./requirements-file.js";
/**
 * What the pip section shares with conda lives in `@envforge/python`; re-exported here for hosts
 * that imported it from this package.
 */
export {
  canonicalName,
  canonicalSpecifier,
  formatMarker,
  formatRequirement,
  lockedPackages,
  normalizeVersion,
  parseFreeze,
  parsePep508,
  pipCanonicalParts,
  pipIndexSetup,
  pipInstallFiles,
  Pep508SyntaxError,
  readBuilderOptions,
  type BuildOptionLine,
  type FrozenLine,
  type MarkerList,
  type Pep508Requirement,
  type PipBuilderOptions,
  type PipCanonical,
  type PipCanonicalParts,
  type PipIndexSetup,
  type RequirementsBuildOptions,
  type SpecifierClause,
} from "@envforge/python";
