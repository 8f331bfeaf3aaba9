/**
 * `@envforge/python`: what the Python plugins (pip, conda) share — PEP 440 and PEP 508, canonical
 * requirement text, `pip freeze` and lock entries, the pip section's canonical form, and how pip is
 * run (index options, builder options, what pip sees). A library: it taps no hooks.
 */
export { hasLocal, isVersion, normalizeVersion, type NormalizeOptions } from "./pep440.js";
export {
  parsePep508,
  parsePlainPep508,
  Pep508SyntaxError,
  type MarkerItem,
  type MarkerList,
  type MarkerValue,
  type MarkerVar,
  type MarkerVariable,
  type Pep508Requirement,
  type SpecifierClause,
} from "./pep508.js";
export { CanonicalizeError, canonicalName, canonicalSpecifier, compareText, formatMarker, formatRequirement, sortedUnique } from "./canonical.js";
export { lockedPackages, parseFreeze, type FrozenLine } from "./freeze.js";
export { pipCanonicalParts, pipInstallFiles, type PipCanonical, type PipCanonicalParts } from "./pip-canonical.js";
export { IMAGE_CONDA_PREFIX, pythonCanonical, type PythonCanonical } from "./python-canonical.js";
export type { BuildOptionLine, BuildOptionName, RequirementsBuildOptions } from "./index-options.js";
export { expandVars, mergeIndexOptions, readBuilderOptions, type PipBuilderOptions } from "./builder-options.js";
export { assertNoVariables, pipIndexSetup, type PipIndexSetup } from "./index-setup.js";
export { checkEnvReferences, envNotAllowed, envReferences, expandAllowed, type EnvSite } from "./env-refs.js";
export { confineFindLinks, localFindLinks } from "./find-links.js";
export { lineRedactor, redactUrl, secretsOf } from "./redact.js";
export {
  LOCK_CHECK_STEP_SCRIPT,
  LOCK_SATISFIES_SCRIPT,
  hostLockUnmet,
  lockCheckData,
  lockSatisfiesArgs,
  lockUnmetError,
  lockedInstallArgs,
  lockedInstallCulprit,
  lockedRequirementsText,
  writeLockedRequirements,
} from "./locked-install.js";
