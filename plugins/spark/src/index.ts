export { ARTIFACT_KIND, SPARK_TARGET, buildSpark, lockOf } from "./builder.js";
export {
  COORDINATE_FORMS,
  coordinateFromObject,
  formatCoordinate,
  parseCoordinate,
  unpinnedReason,
  type CoordinateSite,
  type MavenCoordinate,
} from "./coordinates.js";
export { DEFAULT_IMAGE_ROOT, SPARK_FRAGMENT_ORDER, sparkImageFragment } from "./image-fragment.js";
export {
  describeConflict,
  parseIvyReport,
  resolveFailures,
  versionConflicts,
  type IvyReport,
  type ResolveFailure,
  type VersionConflict,
} from "./ivy-report.js";
export { MavenVersion, compareMavenVersions, sortMavenVersions } from "./maven-version.js";
export {
  findIvyJar,
  findJava,
  resolveBuilderOptions,
  type RepositoryCredentials,
  type ResolvedBuilderOptions,
  type SparkBuilderOptions,
  type SparkPluginOptions,
} from "./options.js";
export { sparkPlugin } from "./plugin.js";
export { activateSpark } from "./activate.js";
export { MAVEN_CENTRAL, normalizeRepository } from "./repositories.js";
export { resolveSparkJars, type ResolveIO, type ResolvedJar, type SparkResolution } from "./resolve.js";
export {
  SPARK_SECTION,
  readSparkCanonical,
  type SparkCanonical,
  type SparkPackage,
  type SparkSection,
} from "./section.js";
export { sparkDefaultsConf } from "./spark-conf.js";
