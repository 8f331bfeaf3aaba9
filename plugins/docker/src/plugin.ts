import type { EnginePlugin } from "@envforge/core/plugin-kit";
import { imageTargetPlugin } from "@envforge/image";
import { dockerActivation } from "./activate.js";
import { createDockerEngine, DOCKER_CONNECTION_KEYS, DOCKER_RECORD, dockerEngines } from "./docker-engine.js";
import { resolveBuildOptions, type DockerBuildOptions } from "./options.js";

export const DOCKER_PLUGIN = "docker";
export const DOCKER_TARGET = "docker";
/** Name of the store that answers from the engine's images. */
export const DAEMON_STORE = DOCKER_RECORD.store;

export interface DockerPluginOptions extends DockerBuildOptions {
  /** Register only the `docker` section (parsing and hashing), not the builder and daemon cache. */
  sectionOnly?: boolean | undefined;
}

/** The `docker` section, the `docker` build target and the engine's images as a cache store. */
export function dockerPlugin(options: DockerPluginOptions = {}): EnginePlugin {
  const { sectionOnly, ...buildOptions } = options;
  return imageTargetPlugin({
    name: DOCKER_PLUGIN,
    target: DOCKER_TARGET,
    record: DOCKER_RECORD,
    sectionOnly,
    storeCache: buildOptions.daemonCache !== false,
    storeEngine: () => createDockerEngine(buildOptions),
    connectionKeys: DOCKER_CONNECTION_KEYS,
    engineFor: dockerEngines(buildOptions),
    buildWith: (ctx) => {
      const resolved = resolveBuildOptions(buildOptions, ctx.options, ctx.baseDir);
      return { images: createDockerEngine(resolved), settings: { credentials: resolved.credentials } };
    },
    activate: (entry, ctx) => dockerActivation(entry, ctx, buildOptions),
  });
}
