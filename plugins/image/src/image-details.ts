import { createError, isHash, type CacheEntry, type Engine, type Hash, type ParsedSpec, type SpecSource } from "@envforge/core/plugin-kit";
import type { ImageEngine, ImageInfo } from "./engine.js";
import { LABEL_BUILDER } from "./generator.js";
import { cacheTagOf, findImageByHash } from "./image-store.js";

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
  /** Stores that hold it: `local` (this machine's cache entry), the engine's image store (`docker-daemon`, `podman-storage`). */
  cachedIn: string[];
  /** The cache entry, when the local cache has one. */
  entry: CacheEntry | undefined;
}

/**
 * Details of a built image, found by hash (or by a definition's hash) in the local cache and in
 * the image engine. `E_NOT_FOUND` when neither has it.
 */
export async function findImageDetails(
  engine: Engine,
  images: ImageEngine,
  hashOrSource: Hash | SpecSource | ParsedSpec,
  target: string,
): Promise<ImageDetails> {
  const hash = typeof hashOrSource === "string" && isHash(hashOrSource) ? hashOrSource : (await engine.hash(hashOrSource)).hash;
  const cachedIn: string[] = [];
  const { entry } = await engine.cache.local.get({ hash, target });
  if (entry) cachedIn.push("local");
  let info: ImageInfo | undefined;
  let engineError: string | undefined;
  try {
    info = await findImageByHash(images, hash);
    if (info) cachedIn.push(images.record.store);
  } catch (cause) {
    engineError = (cause as Error).message;
  }
  if (!entry && !info) {
    throw createError("E_NOT_FOUND", `no ${target} image for ${hash} in the local cache or ${images.describe()}${engineError ? ` (${engineError})` : ""}`, {
      hint: `build it first: envforge build FILE --target ${target}`,
    });
  }
  const details = entry?.artifact.details ?? {};
  const labels = info?.labels ?? {};
  const tags = info?.tags ?? (details.tags as string[] | undefined) ?? [];
  return {
    hash,
    reference: cacheTagOf(tags) ?? entry?.artifact.reference ?? info?.id ?? "",
    imageId: info?.id ?? entry?.artifact.digest ?? "",
    repoDigests: info?.repoDigests ?? (details.repoDigests as string[] | undefined) ?? [],
    tags,
    sizeBytes: info?.sizeBytes ?? entry?.artifact.sizeBytes,
    labels,
    created: info?.created ?? entry?.timings.finishedAt,
    builder: labels[LABEL_BUILDER] ?? entry?.builder,
    buildDurationMs: entry && entry.timings.durationMs > 0 ? entry.timings.durationMs : undefined,
    platform: info?.platform ?? (details.platform as string | undefined),
    cachedIn,
    entry,
  };
}
