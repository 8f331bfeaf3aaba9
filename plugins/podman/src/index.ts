export { podmanActivation } from "./activate.js";
export { podmanImageDetails } from "./details.js";
export { checkConnection, resolvePodmanOptions, type PodmanBuildOptions, type PodmanConnection } from "./options.js";
export { PODMAN_PLUGIN, PODMAN_STORE, PODMAN_TARGET, podmanPlugin, type PodmanPluginOptions } from "./plugin.js";
export { createPodmanEngine, PODMAN_RECORD, podmanEngines } from "./podman-engine.js";
export { imageIdOf, labelsOf, PodmanCli, platformOf, podmanImageInfo, type PodmanImageInspect } from "./podman-cli.js";
