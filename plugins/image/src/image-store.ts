import { serializeCanonical, STAGE_DAEMON, type CacheEntry, type CacheHit, type CanonicalSpec, type Engine, type Hash } from "@envforge/core/plugin-kit";
import type { ImageEngine, ImageInfo, ImageRecordTraits } from "./engine.js";
import { LABEL_BUILDER, LABEL_CANONICAL, LABEL_HASH } from "./generator.js";

/** The tag every envforge image has in its engine, by full hash (`localhost/` is podman's prefix). */
const CACHE_TAG = /^(localhost\/)?envforge\/cache:/;

/** The cache tag among an image's tags, if it has one. */
export function cacheTagOf(tags: readonly string[]): string | undefined {
  return tags.find((t) => CACHE_TAG.test(t));
}

/** The image carrying `dev.envforge.hash=<hash>` in the engine, or undefined. Throws when the engine cannot answer. */
export async function findImageByHash(engine: ImageEngine, hash: Hash, signal?: AbortSignal): Promise<ImageInfo | undefined> {
  const ids = [...new Set(await engine.withLabel(LABEL_HASH, hash, signal))];
  for (const id of ids) {
    const info = await engine.inspect(id, signal);
    if (info?.labels[LABEL_HASH] === hash) return info;
  }
  return undefined;
}

/** The cache entry an image in the engine stands for. */
export function entryFromImage(
  engine: ImageEngine,
  info: ImageInfo,
  hash: Hash,
  target: string,
  canonical: CanonicalSpec | undefined,
  foundBy = engine.record.store,
): CacheEntry {
  const labels = info.labels;
  const canonicalText =
    labels[LABEL_CANONICAL] ?? (canonical && Object.keys(canonical.sections).length > 0 ? serializeCanonical(canonical) : "");
  return {
    schema: 1,
    hash,
    target,
    generation: 1,
    builder: labels[LABEL_BUILDER] ?? target,
    artifact: {
      kind: `${engine.name}-image`,
      reference: cacheTagOf(info.tags) ?? info.tags[0] ?? info.id,
      digest: info.id,
      sizeBytes: info.sizeBytes,
      details: {
        tags: info.tags,
        repoDigests: info.repoDigests,
        ...(info.manifestDigest !== undefined ? { manifestDigest: info.manifestDigest } : {}),
        created: info.created,
        ...(engine.record.foundPlatform ? { platform: info.platform } : {}),
        engine: engine.describe(),
        foundBy,
      },
    },
    timings: { startedAt: info.created, finishedAt: info.created, durationMs: 0 },
    canonicalText,
  };
}

/**
 * The engine's image storage as a cache store: an image labelled with the hash is a hit, even when
 * the local cache folder is new (another checkout, a wiped cache). A store never fails a build: an
 * engine that cannot answer is one warning, then a miss.
 */
export function tapImageStore(engine: Engine, target: string, record: ImageRecordTraits, imageEngine: () => ImageEngine): void {
  let warned = false;
  const { store, unreachable } = record;
  engine.hooks.lookup.tapPromise({ name: `${target}:${store}`, stage: STAGE_DAEMON }, async (key, canonical) => {
    if (key.target !== target) return undefined;
    try {
      const images = imageEngine();
      const info = await findImageByHash(images, key.hash);
      if (!info) return undefined;
      const hit: CacheHit = { entry: entryFromImage(images, info, key.hash, target, canonical), store };
      return hit;
    } catch (cause) {
      if (!warned) {
        warned = true;
        engine.emit({
          type: "warning",
          code: unreachable.code,
          message: `the ${store} cache store cannot ask ${unreachable.subject}: ${(cause as Error).message}; treating it as a miss`,
          hint: unreachable.hint,
        });
      }
      return undefined;
    }
  });
}

/**
 * Checks that an image the local cache recorded is still in the engine it was built on (`docker
 * rmi` leaves the entry behind); `imageEngine` gives that engine for the entry (another host when
 * the build's own options chose one). An engine that cannot answer says nothing: the build could not run there either.
 */
export function tapImageVerify(engine: Engine, target: string, store: string, imageEngine: (entry: CacheEntry) => ImageEngine): void {
  engine.hooks.verify.for(target).tapPromise(`${target}:${store}`, async (entry) => {
    const reference = entry.artifact.digest ?? entry.artifact.reference;
    if (!reference) return undefined;
    const images = imageEngine(entry);
    const info = await images.inspect(reference).catch(() => "unreachable" as const);
    if (info === "unreachable" || info !== undefined) return undefined;
    return `the image ${entry.artifact.reference ?? reference} is no longer in ${images.describe()}`;
  });
}

/**
 * When `cache gc` or `cache rm` removes an entry (core's `hooks.discard`): removes its image from
 * the engine — only an image envforge built for that hash (its label says so), the tags its build
 * gave that still name it (a newer generation's image keeps its own), then the image itself unless
 * someone else tagged it meanwhile. An image already gone is nothing to do.
 */
export function tapImageDiscard(engine: Engine, target: string, imageEngine: (entry: CacheEntry) => ImageEngine): void {
  engine.hooks.discard.for(target).tapPromise(`${target}:discard`, async (entry) => {
    const reference = entry.artifact.digest ?? entry.artifact.reference;
    if (!reference) return;
    const images = imageEngine(entry);
    const info = await images.inspect(reference);
    if (!info || info.labels[LABEL_HASH] !== entry.hash) return;
    const recorded = recordedTags(entry);
    const ours = (tag: string) => recorded.some((r) => tag === r || tag === `localhost/${r}` || `localhost/${tag}` === r);
    for (const tag of info.tags.filter(ours)) await images.remove(tag);
    const left = await images.inspect(info.id);
    if (left && left.tags.length === 0) await images.remove(info.id);
  });
}

/**
 * When `cache generations --promote` makes an older generation current again (core's
 * `hooks.promote`): its build's tags, which a newer build of the hash took over, name its image
 * again, so `docker run envforge/cache:<hex>` runs what envforge serves.
 */
export function tapImagePromote(engine: Engine, target: string, imageEngine: (entry: CacheEntry) => ImageEngine): void {
  engine.hooks.promote.for(target).tapPromise(`${target}:promote`, async (entry) => {
    const id = entry.artifact.digest;
    if (!id) return;
    const images = imageEngine(entry);
    for (const tag of recordedTags(entry)) await images.tag(id, tag);
  });
}

/** The tags an image entry's build gave (its details), its reference among them. */
function recordedTags(entry: CacheEntry): string[] {
  const details = entry.artifact.details?.tags;
  const tags = Array.isArray(details) ? details.filter((t): t is string => typeof t === "string") : [];
  if (entry.artifact.reference && !tags.includes(entry.artifact.reference)) tags.push(entry.artifact.reference);
  return tags;
}
