import type { CacheEntry } from "@envforge/core/plugin-kit";
import { LABEL_BUILDER, LABEL_CANONICAL, LABEL_HASH } from "@envforge/image";
import { MEDIA_DOCKER_MANIFEST, MEDIA_OCI_MANIFEST, type RegistryClient } from "./client.js";

const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
/** Docker layer media types and their OCI names: the blobs are the same bytes. */
const OCI_LAYER: Record<string, string> = {
  "application/vnd.docker.image.rootfs.diff.tar.gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip": "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
};

/**
 * The fencing token of the coordinator lease the pushed build held (`entry.coordination.fence`):
 * a later push of the tag under a lower one (a holder that lost its lease, finishing late) does not overwrite it.
 */
export const ANNOTATION_FENCE = "dev.envforge.fence";

/** What a cached image's manifest says about itself: the same facts as its labels, and the lease's fence. */
export function manifestAnnotations(entry: CacheEntry): Record<string, string> {
  return {
    [LABEL_HASH]: entry.hash,
    [LABEL_CANONICAL]: entry.canonicalText,
    [LABEL_BUILDER]: entry.builder,
    "org.opencontainers.image.created": entry.timings.finishedAt,
    ...(entry.coordination ? { [ANNOTATION_FENCE]: String(entry.coordination.fence) } : {}),
  };
}

/** The fence annotated on the manifest behind `tag`, or undefined (no tag, no annotation, not a number). */
export async function manifestFence(client: RegistryClient, repository: string, tag: string): Promise<number | undefined> {
  const manifest = await client.getManifest(repository, tag);
  const value = (manifest?.json as { annotations?: Record<string, unknown> } | undefined)?.annotations?.[ANNOTATION_FENCE];
  const fence = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : undefined;
  return fence !== undefined && Number.isSafeInteger(fence) ? fence : undefined;
}

type Descriptor = { mediaType?: string } & Record<string, unknown>;

/**
 * Re-puts the manifest under `tag` with `annotations`, so a registry UI or `crane manifest`
 * shows the hash and canonical text without pulling the config. docker pushes Docker v2
 * manifests, which have no annotations: those are rewritten as the equivalent OCI manifest (the
 * same config and layer blobs). Returns the new digest, or a reason it was left as it was.
 */
export async function annotateManifest(
  client: RegistryClient,
  repository: string,
  tag: string,
  annotations: Record<string, string>,
): Promise<{ digest: string | undefined } | { skipped: string }> {
  const manifest = await client.getManifest(repository, tag, true);
  if (!manifest) return { skipped: "the pushed tag is gone" };
  const json = manifest.json as { config?: Descriptor; layers?: Descriptor[]; annotations?: Record<string, string> };
  let next: Record<string, unknown>;
  if (manifest.mediaType === MEDIA_OCI_MANIFEST) {
    const current = json.annotations ?? {};
    if (Object.entries(annotations).every(([k, v]) => current[k] === v)) return { digest: manifest.digest };
    next = { ...json, annotations: { ...current, ...annotations } };
  } else if (manifest.mediaType === MEDIA_DOCKER_MANIFEST && json.config && json.layers) {
    const layers = json.layers.map((l) => ({ ...l, mediaType: OCI_LAYER[l.mediaType ?? ""] }));
    if (layers.some((l) => l.mediaType === undefined)) return { skipped: "a layer has a media type without an OCI equivalent" };
    next = { schemaVersion: 2, mediaType: MEDIA_OCI_MANIFEST, config: { ...json.config, mediaType: OCI_CONFIG }, layers, annotations };
  } else {
    return { skipped: `manifests of type ${manifest.mediaType || "unknown"} are left as pushed` };
  }
  return { digest: await client.putManifest(repository, tag, next, MEDIA_OCI_MANIFEST) };
}
