import { createError, LOCK_SECTION, type CanonicalSections, type EnvLock, type LockContext, type LockPart } from "@envforge/core/plugin-kit";
import type { ImageEngine } from "./engine.js";
import { normalizeImageReference } from "./reference.js";
import { DOCKER_SECTION, type DockerCanonical } from "./section.js";

/**
 * The docker section's `lock` tap: the base image pinned to its digest, from the engine (pulled
 * when it has not got it), so that `FROM` is locked too. A base already written with a digest is
 * recorded as it is; a base Dockerfile has no single image to pin (nothing of mine to lock).
 */
export async function lockImage(images: ImageEngine, ctx: LockContext): Promise<LockPart | undefined> {
  const docker = ctx.canonical.sections[DOCKER_SECTION] as DockerCanonical | undefined;
  if (!docker || !("image" in docker.base)) return undefined;
  const base = docker.base.image;
  const ref = normalizeImageReference(base);
  if (ref.digest !== undefined) return { image: { base, digest: ref.digest } };
  let info = await images.inspect(base, ctx.signal);
  if (!info?.repoDigests.length) {
    ctx.log(`pulling ${base} with ${images.describe()} to read its digest`, "info");
    await images.pull(base, { registry: ref.domain, signal: ctx.signal });
    info = await images.inspect(base, ctx.signal);
  }
  const repository = `${ref.domain}/${ref.repository}`;
  const digests = (info?.repoDigests ?? []).map((d) => {
    const at = d.lastIndexOf("@");
    return { repository: normalizeImageReference(d.slice(0, at)).reference.replace(/:latest$/, ""), digest: d.slice(at + 1) };
  });
  const digest = digests.find((d) => d.repository === repository)?.digest ?? info?.manifestDigest;
  if (digest === undefined) {
    throw createError("E_BUILD_FAILED", `${images.describe()} gives no registry digest for the base image ${base}`, {
      hint: "a base image built locally has none: push it to a registry (or write its digest in docker.baseImage)",
    });
  }
  return { image: { base, digest } };
}

/** `FROM` of an image base under a lock: the base pinned to the locked digest (`name:tag@sha256:…` is valid Docker). */
export function lockedFrom(image: string, sections: CanonicalSections): string {
  const lock = sections[LOCK_SECTION] as EnvLock | undefined;
  if (lock?.image?.base !== image || image.includes("@")) return image;
  return `${image}@${lock.image.digest}`;
}
