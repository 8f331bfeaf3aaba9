export { dockerActivation } from "./activate.js";
export { buildDockerImage, DOCKER_TARGET, imageTags } from "./builder.js";
export { BuildOutputTracker, buildFailedError, stripAnsi, type BuildFailure } from "./build-output.js";
export { contextEntries, prepareContextDir, type ContextEntry } from "./build-context.js";
export { DAEMON_STORE, entryFromImage, findImageByHash, tapDaemonStore, tapDaemonVerify, tapImageVerify, type ImageEngineProbe } from "./daemon-store.js";
export {
  DockerCli,
  writeDockerConfig,
  type BuildkitMode,
  type DockerConnection,
  type DockerImageInspect,
  type RegistryCredentials,
} from "./docker-cli.js";
export {
  checkBaseDockerfile,
  checkStep,
  MAX_DOCKERFILE_BYTES,
  MAX_STEP_BYTES,
  normalizeDockerfileText,
  normalizeStep,
  type CheckSite,
  type Locate,
} from "./dockerfile-check.js";
export {
  collectImageFragments,
  imageCarries,
  renderDockerfile,
  writeBuildContext,
  type RenderedDockerfile,
  type RenderOptions,
} from "./fragments.js";
export {
  execForm,
  generateDockerfile,
  IMAGE_VENV,
  LABEL_BUILDER,
  LABEL_CANONICAL,
  LABEL_HASH,
  quoteDockerfileWord,
  type DockerfileInput,
  type GeneratedImage,
  type SectionFragment,
} from "./generator.js";
export { imageDetails, type ImageDetails, type ImageDetailsOptions } from "./image-details.js";
export { imageRunActivation, imageToRun, RUNNER_VARIABLES, type ImageRunCli, type ImageRunSpec } from "./image-run.js";
export { resolveBuildOptions, type DockerBuildOptions } from "./options.js";
export { normalizePlatform } from "./platform.js";
export { DOCKER_PLUGIN, dockerPlugin, type DockerPluginOptions } from "./plugin.js";
export { fallbackPipFragment, pythonFragment, type PipIndexOptions } from "./python-layers.js";
export { isImageReference, normalizeImageReference, type ImageReference, type ValueSite } from "./reference.js";
export {
  applyDockerSection,
  canonicalDocker,
  DOCKER_SECTION,
  DOCKER_SECTION_TAP,
  dockerCanonicalOf,
  parseDockerSection,
  type DockerBase,
  type DockerCanonical,
  type DockerParsed,
} from "./section.js";
