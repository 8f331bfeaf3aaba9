export { buildImage, imageTags, type ImageBuildSettings } from "./build-image.js";
export { contextEntries, prepareContextDir, type ContextEntry } from "./build-context.js";
export { listIds, streamBuild, type BuildCli } from "./build-command.js";
export { BuildOutputTracker, buildFailedError, DOCKER_OUTPUT, PODMAN_OUTPUT, stripAnsi, type BuildFailure, type BuildOutputDialect } from "./build-output.js";
export {
  checkBaseDockerfile,
  checkStep,
  loadDockerfileParser,
  MAX_DOCKERFILE_BYTES,
  MAX_STEP_BYTES,
  normalizeDockerfileText,
  normalizeStep,
  type CheckSite,
  type Locate,
} from "./dockerfile-check.js";
export type {
  EngineCall,
  ImageBuildRequest,
  ImageBuildResult,
  ImageEngine,
  ImageEngineFor,
  ImageInfo,
  ImageRecordTraits,
  ImageRunCli,
  ImageTransfer,
  LayerRepository,
  RegistryAuth,
  RegistryCredentials,
} from "./engine.js";
export { collectImageFragments, imageCarries } from "./fragments.js";
export {
  execForm,
  generateDockerfile,
  IMAGE_VENV,
  LABEL_BUILDER,
  LABEL_CANONICAL,
  LABEL_HASH,
  LABEL_OFFLINE_OF,
  quoteDockerfileWord,
  type DockerfileInput,
  type GeneratedImage,
  type SectionFragment,
} from "./generator.js";
export { findImageDetails, type ImageDetails } from "./image-details.js";
export { imageRunActivation, imageToRun, RUNNER_VARIABLES, type ImageRunSpec } from "./image-run.js";
export { cacheTagOf, entryFromImage, findImageByHash, tapImageStore, tapImageVerify } from "./image-store.js";
export { imageBaseOf, LABEL_BASE, layerCachesFor, tapLayerCache, type ImageBase, type LayerCacheRequest, type LayerCaches, type LayerCacheSource } from "./layer-cache.js";
export { normalizePlatform } from "./platform.js";
export { pythonFragment } from "./python-fragment.js";
export { isImageReference, normalizeImageReference, type ImageReference, type ValueSite } from "./reference.js";
export { withAuthDir, writeDockerConfig } from "./registry-auth.js";
export { renderDockerfile, writeBuildContext, type RenderedDockerfile, type RenderOptions } from "./render.js";
export {
  applyDockerSection,
  canonicalDocker,
  DOCKER_SECTION,
  DOCKER_SECTION_TAP,
  dockerCanonicalOf,
  dockerSection,
  parseDockerSection,
  type DockerBase,
  type DockerCanonical,
  type DockerParsed,
} from "./section.js";
export { imageTargetPlugin, type ImageTargetSpec } from "./target-plugin.js";
export { connectionIn } from "./connection.js";
