import { hashHex, type Hash } from "@envforge/core/plugin-kit";
import { LABEL_HASH } from "@envforge/image";
import { MEDIA_DOCKER_LIST, MEDIA_OCI_INDEX, RegistryClient, RegistryError } from "./client.js";
import { resolveAuth } from "./credentials.js";
import { resolveRegistryOptions, type RegistryCacheOptions } from "./options.js";

interface Where {
  registry: string;
  repository: string;
  /** `registry/repository:hex`: what `docker pull` takes. */
  reference: string;
}

/** What the registry holds for a hash: the registry part of `envforge image-details`. */
export type RegistryDetails =
  | (Where & {
      status: "found";
      /** Manifest digest: `reference@digest` pins exactly this image. */
      digest: string | undefined;
      mediaType: string;
      /** Bytes to pull: config plus compressed layers, as the manifest lists them. */
      sizeBytes: number | undefined;
      layers: number;
      /** Manifest annotations (the hash, canonical text, builder and creation time when envforge pushed it). */
      annotations: Record<string, string>;
      /** Image config labels and creation time, when the config blob could be read. */
      labels: Record<string, string> | undefined;
      created: string | undefined;
    })
  | (Where & { status: "missing" })
  | (Where & { status: "unreachable"; reason: string });

/**
 * Looks a hash up in the registry without pulling: manifest, size, annotations, labels. Never
 * throws for the registry's sake — a registry that is down or refuses is `unreachable` with the
 * reason (credentials never appear in it).
 */
export async function registryDetails(hash: Hash, options: RegistryCacheOptions): Promise<RegistryDetails> {
  const o = resolveRegistryOptions(options);
  const tag = hashHex(hash);
  const where: Where = { registry: o.registry, repository: o.repository, reference: `${o.registry}/${o.repository}:${tag}` };
  try {
    const client = new RegistryClient({ registry: o.registry, insecure: o.insecure, auth: await resolveAuth(o), timeoutMs: o.timeoutMs });
    const manifest = await client.getManifest(o.repository, tag);
    if (!manifest) return { ...where, status: "missing" };
    const json = manifest.json as { config?: { digest?: string; size?: number }; layers?: { size?: number }[]; manifests?: unknown[]; annotations?: Record<string, string> };
    if (manifest.mediaType === MEDIA_OCI_INDEX || manifest.mediaType === MEDIA_DOCKER_LIST) {
      return { ...where, status: "found", digest: manifest.digest, mediaType: manifest.mediaType, sizeBytes: undefined, layers: 0, annotations: json.annotations ?? {}, labels: undefined, created: undefined };
    }
    const layers = json.layers ?? [];
    const sizes = [json.config?.size, ...layers.map((l) => l.size)];
    const sizeBytes = sizes.every((s) => typeof s === "number") ? (sizes as number[]).reduce((a, b) => a + b, 0) : undefined;
    let labels: Record<string, string> | undefined;
    let created: string | undefined;
    if (json.config?.digest) {
      const config = (await client.getJsonBlob(o.repository, json.config.digest).catch(() => undefined)) as
        | { created?: string; config?: { Labels?: Record<string, string> | null } }
        | undefined;
      labels = config?.config?.Labels ?? (config ? {} : undefined);
      created = config?.created;
    }
    const annotations = json.annotations ?? {};
    // A tag that holds another hash's image is not this hash's image, whatever its name says.
    const claimed = annotations[LABEL_HASH] ?? labels?.[LABEL_HASH];
    if (claimed !== undefined && claimed !== hash) return { ...where, status: "missing" };
    return { ...where, status: "found", digest: manifest.digest, mediaType: manifest.mediaType, sizeBytes, layers: layers.length, annotations, labels, created };
  } catch (cause) {
    return { ...where, status: "unreachable", reason: cause instanceof RegistryError ? cause.message : (cause as Error).message };
  }
}
