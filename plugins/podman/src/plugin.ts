import { createRedactor, type EnginePlugin } from "@envforge/core/plugin-kit";
import { imageTargetPlugin } from "@envforge/image";
import { podmanActivation } from "./activate.js";
import { checkConnection, resolvePodmanOptions, type PodmanBuildOptions } from "./options.js";
import { createPodmanEngine, PODMAN_CONNECTION_KEYS, PODMAN_RECORD, podmanEngines } from "./podman-engine.js";

export const PODMAN_PLUGIN = "podman";
export const PODMAN_TARGET = "podman";
/** Name of the store that answers from podman's image storage. */
export const PODMAN_STORE = PODMAN_RECORD.store;

export interface PodmanPluginOptions extends PodmanBuildOptions {
  /** Register only the `docker` section (parsing and hashing), not the builder and storage cache. */
  sectionOnly?: boolean | undefined;
}

/**
 * The `podman` build target: the `docker` section (registered once even when the docker plugin
 * is loaded too), images built with podman, and podman's image storage as a cache store.
 */
export function podmanPlugin(options: PodmanPluginOptions = {}): EnginePlugin {
  const { sectionOnly, ...buildOptions } = options;
  let connection: ReturnType<typeof checkConnection> | undefined;
  return imageTargetPlugin({
    name: PODMAN_PLUGIN,
    target: PODMAN_TARGET,
    record: PODMAN_RECORD,
    sectionOnly,
    storeCache: buildOptions.storageCache !== false,
    check: () => void (connection = checkConnection(buildOptions)),
    storeEngine: () => createPodmanEngine(connection),
    connectionKeys: PODMAN_CONNECTION_KEYS,
    engineFor: (builderOptions) => podmanEngines(connection)(builderOptions),
    buildWith: (ctx) => {
      const resolved = resolvePodmanOptions(buildOptions, ctx.options, ctx.baseDir);
      const credentials = resolved.credentials ?? [];
      // Passwords must not reach the log even if a tool echoes one back; the engine only knows flat options.
      const redact = createRedactor(credentials.map((c) => c.password));
      return { images: createPodmanEngine(resolved), settings: { credentials, redact: (line) => redact.text(line) } };
    },
    activate: (entry, ctx) => podmanActivation(entry, ctx, buildOptions),
  });
}
