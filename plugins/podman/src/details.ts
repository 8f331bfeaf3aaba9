import { createError, isHash, type Engine, type Hash, type ParsedSpec, type SpecSource } from "@envforge/core/plugin-kit";
import { LABEL_BUILDER, type ImageDetails } from "@envforge/plugin-docker";
import { PODMAN_TARGET } from "./builder.js";
import type { PodmanConnection } from "./options.js";
import { imageIdOf, labelsOf, PodmanCli, platformOf, type PodmanImageInspect } from "./podman-cli.js";
import { PODMAN_STORE } from "./store.js";

/**
 * Details of a podman-built image (the same shape docker's `imageDetails` returns), found by hash
 * (or a definition's hash) in the local cache and in podman's storage. `E_NOT_FOUND` when neither
 * has it.
 */
export async function podmanImageDetails(
  engine: Engine,
  hashOrSource: Hash | SpecSource | ParsedSpec,
  options: PodmanConnection & { target?: string | undefined } = {},
): Promise<ImageDetails> {
  const target = options.target ?? PODMAN_TARGET;
  const hash =
    typeof hashOrSource === "string" && isHash(hashOrSource) ? hashOrSource : (await engine.hash(hashOrSource as SpecSource | ParsedSpec)).hash;
  const cachedIn: string[] = [];
  const { entry } = await engine.cache.local.get({ hash, target });
  if (entry) cachedIn.push("local");
  const cli = new PodmanCli(options);
  let inspect: PodmanImageInspect | undefined;
  let podmanError: string | undefined;
  try {
    inspect = await cli.findImageByHash(hash);
    if (inspect) cachedIn.push(PODMAN_STORE);
  } catch (cause) {
    podmanError = (cause as Error).message;
  }
  if (!entry && !inspect) {
    throw createError("E_NOT_FOUND", `no ${target} image for ${hash} in the local cache or ${cli.describe()}${podmanError ? ` (${podmanError})` : ""}`, {
      hint: `build it first: envforge build FILE --target ${target}`,
    });
  }
  const details = entry?.artifact.details ?? {};
  const labels = labelsOf(inspect);
  const tags = inspect?.RepoTags ?? (details.tags as string[] | undefined) ?? [];
  return {
    hash,
    reference: tags.find((t) => /^(localhost\/)?envforge\/cache:/.test(t)) ?? entry?.artifact.reference ?? imageIdOf(inspect!),
    imageId: inspect ? imageIdOf(inspect) : (entry!.artifact.digest ?? ""),
    repoDigests: inspect?.RepoDigests ?? (details.repoDigests as string[] | undefined) ?? [],
    tags,
    sizeBytes: inspect?.Size ?? entry?.artifact.sizeBytes,
    labels,
    created: inspect?.Created ?? entry?.timings.finishedAt,
    builder: labels[LABEL_BUILDER] ?? entry?.builder,
    buildDurationMs: entry && entry.timings.durationMs > 0 ? entry.timings.durationMs : undefined,
    platform: inspect ? platformOf(inspect) : (details.platform as string | undefined),
    cachedIn,
    entry,
  };
}
