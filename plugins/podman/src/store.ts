import { serializeCanonical, STAGE_DAEMON, type CacheEntry, type CanonicalSpec, type Engine, type Hash } from "@envforge/core/plugin-kit";
import { LABEL_BUILDER, LABEL_CANONICAL, tapImageVerify } from "@envforge/plugin-docker";
import type { PodmanConnection } from "./options.js";
import { imageIdOf, labelsOf, PodmanCli, platformOf, type PodmanImageInspect } from "./podman-cli.js";

/** Name of the store that answers from podman's image storage. */
export const PODMAN_STORE = "podman-storage";

/** The cache entry an image in podman's storage stands for. */
export function podmanEntryFromImage(inspect: PodmanImageInspect, hash: Hash, target: string, canonical: CanonicalSpec | undefined, engineName: string, foundBy = PODMAN_STORE): CacheEntry {
  const labels = labelsOf(inspect);
  const tags = inspect.RepoTags ?? [];
  const canonicalText =
    labels[LABEL_CANONICAL] ?? (canonical && Object.keys(canonical.sections).length > 0 ? serializeCanonical(canonical) : "");
  return {
    schema: 1,
    hash,
    target,
    generation: 1,
    builder: labels[LABEL_BUILDER] ?? target,
    artifact: {
      kind: "podman-image",
      reference: tags.find((t) => /^(localhost\/)?envforge\/cache:/.test(t)) ?? tags[0] ?? imageIdOf(inspect),
      digest: imageIdOf(inspect),
      sizeBytes: inspect.Size,
      details: {
        tags,
        repoDigests: inspect.RepoDigests ?? [],
        manifestDigest: inspect.Digest,
        created: inspect.Created,
        platform: platformOf(inspect),
        engine: engineName,
        foundBy,
      },
    },
    timings: { startedAt: inspect.Created, finishedAt: inspect.Created, durationMs: 0 },
    canonicalText,
  };
}

/**
 * Podman's image storage as a cache store: an image labelled with the hash is a hit, even when
 * the local cache folder is new. A store never fails a build: a podman that cannot answer is one
 * warning, then a miss.
 */
export function tapPodmanStore(engine: Engine, target: string, connection: PodmanConnection): void {
  let warned = false;
  engine.hooks.lookup.tapPromise({ name: `${target}:${PODMAN_STORE}`, stage: STAGE_DAEMON }, async (key, canonical) => {
    if (key.target !== target) return undefined;
    try {
      const cli = new PodmanCli(connection);
      const inspect = await cli.findImageByHash(key.hash);
      if (!inspect) return undefined;
      return { entry: podmanEntryFromImage(inspect, key.hash, target, canonical, cli.describe()), store: PODMAN_STORE };
    } catch (cause) {
      if (!warned) {
        warned = true;
        engine.emit({
          type: "warning",
          code: "W_PODMAN_UNREACHABLE",
          message: `the ${PODMAN_STORE} cache store cannot ask podman: ${(cause as Error).message}; treating it as a miss`,
          hint: "install podman or fix the podman plugin's connection options; set storageCache: false to skip this store",
        });
      }
      return undefined;
    }
  });
}

/** Checks that an image the local cache recorded is still in podman's storage. */
export function tapPodmanVerify(engine: Engine, target: string, connection: PodmanConnection): void {
  tapImageVerify(engine, target, PODMAN_STORE, () => new PodmanCli(connection));
}
