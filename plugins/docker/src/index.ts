export { dockerActivation } from "./activate.js";
export { imageDetails, type ImageDetailsOptions } from "./details.js";
export { DockerCli, dockerImageInfo, type BuildkitMode, type DockerConnection, type DockerImageInspect } from "./docker-cli.js";
export { createDockerEngine, DOCKER_RECORD, dockerEngines } from "./docker-engine.js";
export { resolveBuildOptions, type DockerBuildOptions } from "./options.js";
export { DAEMON_STORE, DOCKER_PLUGIN, DOCKER_TARGET, dockerPlugin, type DockerPluginOptions } from "./plugin.js";
