import path from "node:path";
import { createError, hashHex, serializeCanonical, shortHash, type Artifact, type BuildContext, type BuildOutput, type Engine, type Hash } from "@envforge/core/plugin-kit";
import type { ImageEngine, RegistryCredentials } from "./engine.js";
import { collectImageFragments } from "./fragments.js";
import { loadDockerfileParser } from "./dockerfile-check.js";
import { generateDockerfile, LABEL_BUILDER, LABEL_HASH } from "./generator.js";
import { imageBaseOf, LABEL_BASE, layerCachesFor } from "./layer-cache.js";
import { writeBuildContext } from "./render.js";
import { dockerCanonicalOf } from "./section.js";

/** Tags of an environment's image: by name for people, by full hash for machines. */
export function imageTags(hash: Hash, name: string | undefined): { named: string; cache: string } {
  return { named: `envforge/${tagName(name)}:${shortHash(hash)}`, cache: `envforge/cache:${hashHex(hash)}` };
}

/** An environment name as a repository path component, or `env` when it cannot be one. */
function tagName(name: string | undefined): string {
  const cleaned = (name ?? "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/[._-]{2,}/g, "-")
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "")
    .slice(0, 100);
  return /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(cleaned) ? cleaned : "env";
}

export interface ImageBuildSettings {
  /** The build target (`docker`, `podman`): the builder label and `BuildOutput.builder`. */
  target: string;
  /** Registry credentials for the build's pulls (a private base image), bound to the engine for this build only. */
  credentials?: readonly RegistryCredentials[] | undefined;
  /** Rewrites a line before it reaches the build log (redaction of secrets a tool may echo). */
  redact?: ((line: string) => string) | undefined;
}

/**
 * Builds the environment's image on one engine from the one generated Dockerfile and context:
 * asks every section for its fragment, writes the context, lets the engine build it (streaming
 * every output line to the build log; a failed step raises E_BUILD_FAILED with that step's own
 * output, and the engine then stores nothing), and records the image the engine reports.
 */
export async function buildImage(images: ImageEngine, engine: Engine, ctx: BuildContext, settings: ImageBuildSettings): Promise<BuildOutput> {
  const docker = dockerCanonicalOf(ctx.canonical.sections);
  const redact = settings.redact ?? ((line: string) => line);
  const log = (line: string, stream: "stdout" | "stderr" | "info" = "info") => ctx.log(redact(line), stream);
  const credentials = settings.credentials ?? [];
  if (credentials.length > 0) images = await images.withCredentials(credentials, ctx.workDir);
  const engineVersion = await images.ping(ctx.signal);

  const { fragments, venv } = await collectImageFragments(engine, {
    hash: ctx.hash,
    spec: ctx.spec,
    canonical: ctx.canonical,
    workDir: ctx.workDir,
    options: ctx.options,
    baseDir: ctx.baseDir,
    signal: ctx.signal,
    log,
    warn: (code, message, hint) => ctx.warn(code, message, undefined, hint),
  });
  await loadDockerfileParser();
  const image = generateDockerfile({ hash: ctx.hash, canonical: ctx.canonical, canonicalText: serializeCanonical(ctx.canonical), fragments, venv });
  const contextDir = path.join(ctx.workDir, "context");
  const dockerfile = await writeBuildContext(contextDir, image);

  const tags = imageTags(ctx.hash, ctx.spec.identity.name);
  // A miss on this machine may still find its lower layers built elsewhere (the registry cache's
  // latest image on the same base): the steps before the first changed one are then not run.
  const base = imageBaseOf(ctx.canonical);
  const { cacheFrom, layerRepository } = base
    ? await layerCachesFor(engine, {
        target: settings.target,
        hash: ctx.hash,
        base,
        images,
        builderOptions: ctx.options,
        signal: ctx.signal,
        log: (line) => log(line),
        warn: (code, message, hint) => ctx.warn(code, message, undefined, hint),
      })
    : { cacheFrom: [], layerRepository: undefined };
  const built = await images.build({
    contextDir,
    dockerfile,
    tags: [tags.named, tags.cache],
    labels: { [LABEL_BUILDER]: settings.target, ...(base ? { [LABEL_BASE]: base.label } : {}) },
    buildArgs: docker?.buildArgs ?? {},
    ...(cacheFrom.length > 0 ? { cacheFrom } : {}),
    ...(layerRepository ? { layerRepository } : {}),
    platform: docker?.platform,
    workDir: ctx.workDir,
    signal: ctx.signal,
    log: (line, stream) => log(line, stream),
    engineVersion,
  });
  const info = await images.inspect(tags.cache, ctx.signal);
  if (!info || info.labels[LABEL_HASH] !== ctx.hash) {
    throw createError("E_BUILD_FAILED", `${images.name} build finished but ${tags.cache} is missing or does not carry the label ${LABEL_HASH}=${ctx.hash}`, {
      hint: "another process may have retagged it; build again",
    });
  }
  const artifact: Artifact = {
    kind: `${images.name}-image`,
    reference: info.tags.find((t) => t.endsWith(tags.cache)) ?? tags.cache,
    digest: built.imageId || info.id,
    sizeBytes: info.sizeBytes,
    details: {
      tags: images.record.builtTags === "given" ? [tags.named, tags.cache] : info.tags,
      repoDigests: info.repoDigests,
      ...(info.manifestDigest !== undefined ? { manifestDigest: info.manifestDigest } : {}),
      created: info.created,
      engine: images.describe(),
      engineVersion,
      ...built.details,
      platform: info.platform,
      layers: info.layers,
      cachedSteps: built.cachedSteps,
      ...(cacheFrom.length > 0 ? { cacheFrom } : {}),
      ...(layerRepository ? { layerRepository: layerRepository.reference } : {}),
    },
  };
  return { artifact, builder: settings.target };
}
