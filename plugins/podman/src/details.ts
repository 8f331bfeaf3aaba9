import type { Engine, Hash, ParsedSpec, SpecSource } from "@envforge/core/plugin-kit";
import { findImageDetails, type ImageDetails } from "@envforge/image";
import type { PodmanConnection } from "./options.js";
import { PODMAN_TARGET } from "./plugin.js";
import { createPodmanEngine } from "./podman-engine.js";

/**
 * Details of a podman-built image (the same shape docker's `imageDetails` returns), found by hash
 * (or a definition's hash) in the local cache and in podman's storage. `E_NOT_FOUND` when neither
 * has it.
 */
export function podmanImageDetails(
  engine: Engine,
  hashOrSource: Hash | SpecSource | ParsedSpec,
  options: PodmanConnection & { target?: string | undefined } = {},
): Promise<ImageDetails> {
  const { target = PODMAN_TARGET, ...connection } = options;
  return findImageDetails(engine, createPodmanEngine(connection), hashOrSource, target);
}
