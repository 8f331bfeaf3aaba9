import type { EnginePlugin } from "@envforge/core";
import { applyDockerSection } from "./section.js";

export const DOCKER_PLUGIN = "docker";

export interface DockerPluginOptions {
  /** Register only the `docker` section (parsing and hashing), not the builder and daemon cache. */
  sectionOnly?: boolean;
}

/** The `docker` section, the `docker` build target and the local daemon as a cache store. */
export function dockerPlugin(_options: DockerPluginOptions = {}): EnginePlugin {
  return {
    name: DOCKER_PLUGIN,
    apply(engine) {
      applyDockerSection(engine);
    },
  };
}
