import type { Engine, Hash, ParsedSpec, SpecSource } from "@envforge/core/plugin-kit";
import { findImageDetails, type ImageDetails } from "@envforge/image";
import type { DockerConnection } from "./docker-cli.js";
import { createDockerEngine } from "./docker-engine.js";
import { DOCKER_TARGET } from "./plugin.js";

export interface ImageDetailsOptions extends DockerConnection {
  target?: string | undefined;
}

/**
 * Details of a docker-built image, found by hash (or by a definition's hash) in the local cache and
 * in the engine. `E_NOT_FOUND` when neither has it.
 */
export function imageDetails(engine: Engine, hashOrSource: Hash | SpecSource | ParsedSpec, options: ImageDetailsOptions = {}): Promise<ImageDetails> {
  const { target = DOCKER_TARGET, ...connection } = options;
  return findImageDetails(engine, createDockerEngine(connection), hashOrSource, target);
}
