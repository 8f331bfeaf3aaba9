export { ANNOTATION_FENCE, annotateManifest, manifestAnnotations, manifestFence } from "./annotations.js";
export { RegistryCache } from "./cache.js";
export {
  MEDIA_DOCKER_LIST,
  MEDIA_DOCKER_MANIFEST,
  MEDIA_OCI_INDEX,
  MEDIA_OCI_MANIFEST,
  parseChallenge,
  RegistryClient,
  RegistryError,
  type Manifest,
  type ManifestHead,
  type RegistryAuth,
  type RegistryClientOptions,
} from "./client.js";
export { resolveAuth } from "./credentials.js";
export { registryDetails, type RegistryDetails } from "./details.js";
export { credentialsFromDockerConfig, resolveRegistryOptions, type RegistryCacheOptions, type ResolvedRegistryOptions } from "./options.js";
export { REGISTRY_CACHE_PLUGIN, registryCachePlugin } from "./plugin.js";
export { imageTransport, REGISTRY_STORE, type ImageTransport, type TransportSettings } from "./transport.js";
