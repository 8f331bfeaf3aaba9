export { checkBaseDockerfile, checkStep, normalizeDockerfileText, normalizeStep } from "./dockerfile-check.js";
export { normalizePlatform } from "./platform.js";
export { DOCKER_PLUGIN, dockerPlugin, type DockerPluginOptions } from "./plugin.js";
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
