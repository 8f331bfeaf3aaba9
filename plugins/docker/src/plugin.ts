import type { EnginePlugin } from "@envforge/core/plugin-kit";
import { dockerActivation } from "./activate.js";
import { buildDockerImage, DOCKER_TARGET } from "./builder.js";
import { tapDaemonStore, tapDaemonVerify } from "./daemon-store.js";
import type { DockerBuildOptions } from "./options.js";
import { applyDockerSection } from "./section.js";
import { imageCarries } from "./fragments.js";

export const DOCKER_PLUGIN = "docker";

export interface DockerPluginOptions extends DockerBuildOptions {
  /** Register only the `docker` section (parsing and hashing), not the builder and daemon cache. */
  sectionOnly?: boolean | undefined;
}

/** The `docker` section, the `docker` build target and the engine's images as a cache store. */
export function dockerPlugin(options: DockerPluginOptions = {}): EnginePlugin {
  const { sectionOnly, ...buildOptions } = options;
  return {
    name: DOCKER_PLUGIN,
    apply(engine) {
      applyDockerSection(engine);
      if (sectionOnly) return;
      engine.hooks.build.for(DOCKER_TARGET).tapPromise(DOCKER_PLUGIN, (ctx) => buildDockerImage(engine, ctx, buildOptions));
      engine.hooks.activate.for(DOCKER_TARGET).tap(DOCKER_PLUGIN, (entry, ctx) => dockerActivation(entry, ctx, buildOptions));
      engine.targets.declare({ name: DOCKER_TARGET, carries: imageCarries(engine) });
      if (buildOptions.daemonCache !== false) tapDaemonStore(engine, DOCKER_TARGET, buildOptions);
      tapDaemonVerify(engine, DOCKER_TARGET, buildOptions);
    },
  };
}
