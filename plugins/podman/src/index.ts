export { podmanActivation } from "./activate.js";
export { PodmanOutputTracker } from "./build-output.js";
export { buildPodmanImage, PODMAN_TARGET } from "./builder.js";
export { podmanImageDetails } from "./details.js";
export { checkConnection, resolvePodmanOptions, type PodmanBuildOptions, type PodmanConnection } from "./options.js";
export { PODMAN_PLUGIN, podmanPlugin, type PodmanPluginOptions } from "./plugin.js";
export { imageIdOf, labelsOf, PodmanCli, platformOf, type PodmanImageInspect } from "./podman-cli.js";
export { PODMAN_STORE, podmanEntryFromImage, tapPodmanStore, tapPodmanVerify } from "./store.js";
