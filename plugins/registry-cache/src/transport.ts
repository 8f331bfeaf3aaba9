import { hashHex, type CacheEntry, type CanonicalSpec, type Hash } from "@envforge/core/plugin-kit";
import { entryFromImage, LABEL_HASH, type ImageEngine, type RegistryAuth } from "@envforge/image";

/** Name of the store a registry hit is reported from. */
export const REGISTRY_STORE = "registry";

/**
 * Moves images between a local engine and the registry with the engine's own push and pull, so
 * the image lands where its builder would have put it. Credentials reach the engine only through
 * a private auth file in a temp folder that is removed afterwards.
 */
export interface ImageTransport {
  describe(): string;
  /** Pulls `remote`, tags it as the engine's cache tag, and returns the entry it stands for; undefined when its label is not `hash`. */
  pull(remote: string, hash: Hash, target: string, canonical: CanonicalSpec, signal: AbortSignal | undefined): Promise<CacheEntry | undefined>;
  /** Pushes the local image `local` as `remote`. */
  push(local: string, remote: string, signal: AbortSignal | undefined): Promise<void>;
  /** Pulls `remote` as it is (a layer cache: any image, no label checked). */
  pullLayers(remote: string, signal: AbortSignal | undefined): Promise<void>;
}

export interface TransportSettings {
  registry: string;
  insecure: boolean;
  auth: RegistryAuth | undefined;
  timeoutMs: number;
  /** Told when the engine cannot use the credentials as given. */
  note(message: string): void;
}

const CACHE_TAG = (hash: Hash) => `envforge/cache:${hashHex(hash)}`;

/** The transport of one image engine (docker, podman, or any other `ImageEngine`). */
export function imageTransport(images: ImageEngine, settings: TransportSettings): ImageTransport {
  const transfer = (signal: AbortSignal | undefined) => ({
    registry: settings.registry,
    auth: settings.auth,
    insecure: settings.insecure,
    timeoutMs: settings.timeoutMs,
    note: settings.note,
    signal,
  });
  return {
    describe: () => images.describe(),
    pull: async (remote, hash, target, canonical, signal) => {
      await images.pull(remote, transfer(signal));
      const info = await images.inspect(remote, signal);
      if (!info || info.labels[LABEL_HASH] !== hash) return undefined;
      await images.tag(remote, CACHE_TAG(hash), { signal, timeoutMs: 60_000 });
      const tagged = (await images.inspect(CACHE_TAG(hash), signal)) ?? info;
      const entry = entryFromImage(images, tagged, hash, target, canonical, REGISTRY_STORE);
      entry.artifact.details = { ...entry.artifact.details, pulledFrom: remote };
      return entry;
    },
    push: (local, remote, signal) => images.push(local, remote, transfer(signal)),
    pullLayers: (remote, signal) => images.pull(remote, transfer(signal)),
  };
}
