import { createError, isHash, type CacheEntry, type Engine, type Hash, type ParsedSpec, type SpecSource } from "@envforge/core/plugin-kit";
import { DAEMON_STORE, findImageByHash } from "./daemon-store.js";
import { DockerCli, type DockerConnection, type DockerImageInspect } from "./docker-cli.js";
import { LABEL_BUILDER } from "./generator.js";
import { DOCKER_TARGET } from "./builder.js";

/** What `envforge image-details FILE|HASH` shows. */
export interface ImageDetails {
  hash: Hash;
  /** The reference to run or push: the full-hash tag when the engine has it. */
  reference: string;
  /** The image ID (content digest of the image config). */
  imageId: string;
  /** `name@sha256:…` digests, once the image was pushed to or pulled from a registry. */
  repoDigests: string[];
  tags: string[];
  sizeBytes: number | undefined;
  labels: Record<string, string>;
  /** When the image was built (from the engine, else from the cache entry). */
  created: string | undefined;
  /** Which builder made it (docker, podman…) and how long it took, when the local cache knows. */
  builder: string | undefined;
  buildDurationMs: number | undefined;
  platform: string | undefined;
  /** Stores that hold it: `local` (this machine's cache entry), `docker-daemon` (the engine's image store). */
  cachedIn: string[];
  /** The cache entry, when the local cache has one. */
  entry: CacheEntry | undefined;
}

export interface ImageDetailsOptions extends DockerConnection {
  target?: string | undefined;
}

/**
 * Details of a built image, found by hash (or by a definition's hash) in the local cache and in
 * the engine. `E_NOT_FOUND` when neither has it.
 */
export async function imageDetails(
  engine: Engine,
  hashOrSource: Hash | SpecSource | ParsedSpec,
  options: ImageDetailsOptions = {},
): Promise<ImageDetails> {
  const target = options.target ?? DOCKER_TARGET;
  const hash =
    typeof hashOrSource === "string" && isHash(hashOrSource) ? hashOrSource : (await engine.hash(hashOrSource as SpecSource | ParsedSpec)).hash;
  const cachedIn: string[] = [];
  const { entry } = await engine.cache.local.get({ hash, target });
  if (entry) cachedIn.push("local");
  const cli = new DockerCli(options);
  let inspect: DockerImageInspect | undefined;
  let daemonError: string | undefined;
  try {
    inspect = await findImageByHash(cli, hash);
    if (inspect) cachedIn.push(DAEMON_STORE);
  } catch (cause) {
    daemonError = (cause as Error).message;
  }
  if (!entry && !inspect) {
    throw createError("E_NOT_FOUND", `no ${target} image for ${hash} in the local cache or ${cli.describe()}${daemonError ? ` (${daemonError})` : ""}`, {
      hint: `build it first: envforge build FILE --target ${target}`,
    });
  }
  const details = entry?.artifact.details ?? {};
  const labels = inspect?.Config?.Labels ?? {};
  return {
    hash,
    reference: inspect?.RepoTags?.find((t) => t.startsWith("envforge/cache:")) ?? entry?.artifact.reference ?? inspect!.Id,
    imageId: inspect?.Id ?? entry!.artifact.digest ?? "",
    repoDigests: inspect?.RepoDigests ?? (details.repoDigests as string[] | undefined) ?? [],
    tags: inspect?.RepoTags ?? (details.tags as string[] | undefined) ?? [],
    sizeBytes: inspect?.Size ?? entry?.artifact.sizeBytes,
    labels,
    created: inspect?.Created ?? entry?.timings.finishedAt,
    builder: labels[LABEL_BUILDER] ?? entry?.builder,
    buildDurationMs: entry && entry.timings.durationMs > 0 ? entry.timings.durationMs : undefined,
    platform: inspect ? `${inspect.Os ?? "linux"}/${inspect.Architecture ?? "unknown"}${inspect.Variant ? `/${inspect.Variant}` : ""}` : (details.platform as string | undefined),
    cachedIn,
    entry,
  };
}
