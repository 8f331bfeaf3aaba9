import { createHash } from "node:crypto";
import type { BuilderOptions, CanonicalSpec, Engine, Hash, WarningCode } from "@envforge/core/plugin-kit";
import type { ImageEngine, LayerRepository } from "./engine.js";
import { dockerCanonicalOf } from "./section.js";

/** Names an image's base: its reference, or `dockerfile:sha256:…` of a base Dockerfile (added by the builder). */
export const LABEL_BASE = "dev.envforge.base";

/** What images of the same base share: the base's label value and the tag a registry keeps the latest one under. */
export interface ImageBase {
  /** The `dev.envforge.base` label: the base reference, or the digest of the base Dockerfile's text. */
  label: string;
  /** `base-<16 hex>` of the label and platform: a tag name, the same on every machine. */
  tag: string;
}

/** The base of a definition's image, or undefined when it has no `docker:` section. */
export function imageBaseOf(canonical: CanonicalSpec): ImageBase | undefined {
  const docker = dockerCanonicalOf(canonical.sections);
  if (!docker) return undefined;
  const label = "image" in docker.base ? docker.base.image : `dockerfile:sha256:${sha256(docker.base.dockerfile)}`;
  // A base built for another platform shares no layer with this build: the platform is part of the key.
  return { label, tag: `base-${sha256(`${label}\n${docker.platform ?? ""}`).slice(0, 16)}` };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** What a layer cache source is asked before an image target builds on a miss. */
export interface LayerCacheRequest {
  target: string;
  hash: Hash;
  base: ImageBase;
  /** The engine that builds: a layer cache must be pulled into it (the classic docker builder reads only local images). */
  images: ImageEngine;
  builderOptions: BuilderOptions;
  signal: AbortSignal;
  log(line: string): void;
  warn(code: WarningCode, message: string, hint?: string): void;
}

/** Where a build finds layers built elsewhere: as the engine's `layerCache` trait asks for them. */
export interface LayerCaches {
  /** Images pulled into the build's engine for `--cache-from` (`pulled-image`). */
  cacheFrom: string[];
  /** A layer repository the engine reads and writes while it builds (`layer-repository`). */
  layerRepository?: LayerRepository | undefined;
}

/**
 * Finds layers built elsewhere that the build may share (the registry cache: the latest image on
 * the same base, pulled into the build's engine, or its layer repository for an engine that has one).
 * Failing to find or pull one is the source's warning at most: it returns none and the build goes on.
 */
export type LayerCacheSource = (request: LayerCacheRequest) => Promise<LayerCaches>;

// Per engine, not a core hook: only image targets ask, and only the registry cache answers.
const sources = new WeakMap<Engine, { name: string; source: LayerCacheSource }[]>();

/** Registers a layer cache source on an engine (the registry cache plugin does, in its `apply`). */
export function tapLayerCache(engine: Engine, name: string, source: LayerCacheSource): void {
  const list = sources.get(engine) ?? [];
  list.push({ name, source });
  sources.set(engine, list);
}

/** Every source's layer caches for a build, in registration order (the first layer repository); a source that throws is a warning. */
export async function layerCachesFor(engine: Engine, request: LayerCacheRequest): Promise<LayerCaches> {
  const found: LayerCaches = { cacheFrom: [] };
  for (const { name, source } of sources.get(engine) ?? []) {
    try {
      const caches = await source(request);
      for (const reference of caches.cacheFrom) if (!found.cacheFrom.includes(reference)) found.cacheFrom.push(reference);
      found.layerRepository ??= caches.layerRepository;
    } catch (cause) {
      request.signal.throwIfAborted();
      request.warn("W_REGISTRY_PULL_FAILED", `layer cache source ${name} failed: ${(cause as Error).message}; building without it`, "the build does not need a layer cache, only goes faster with one");
    }
  }
  return found;
}
