import type { EnginePlugin } from "@envforge/core/plugin-kit";
import { applyDockerSection, imageCarries } from "@envforge/plugin-docker";
import { podmanActivation } from "./activate.js";
import { buildPodmanImage, PODMAN_TARGET } from "./builder.js";
import { checkConnection, type PodmanBuildOptions } from "./options.js";
import { tapPodmanStore, tapPodmanVerify } from "./store.js";

export const PODMAN_PLUGIN = "podman";

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
  return {
    name: PODMAN_PLUGIN,
    apply(engine) {
      applyDockerSection(engine);
      if (sectionOnly) return;
      const connection = checkConnection(buildOptions);
      engine.hooks.build.for(PODMAN_TARGET).tapPromise(PODMAN_PLUGIN, (ctx) => buildPodmanImage(engine, ctx, buildOptions));
      engine.hooks.activate.for(PODMAN_TARGET).tap(PODMAN_PLUGIN, (entry, ctx) => podmanActivation(entry, ctx, buildOptions));
      engine.targets.declare({ name: PODMAN_TARGET, carries: imageCarries(engine) });
      if (buildOptions.storageCache !== false) tapPodmanStore(engine, PODMAN_TARGET, connection);
      tapPodmanVerify(engine, PODMAN_TARGET, connection);
    },
  };
}
