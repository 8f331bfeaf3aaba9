import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { hashHex, type CacheEntry, type CanonicalSpec, type Hash } from "@envforge/core/plugin-kit";
import { DockerCli, entryFromImage, LABEL_HASH, writeDockerConfig, type DockerConnection } from "@envforge/plugin-docker";
import { labelsOf, PodmanCli, podmanEntryFromImage, type PodmanConnection } from "@envforge/plugin-podman";
import type { RegistryAuth } from "./client.js";

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

/** Runs `work` with a private auth folder (docker config.json layout), removed afterwards. */
async function withAuthDir<T>(settings: TransportSettings, work: (dir: string | undefined) => Promise<T>): Promise<T> {
  const { auth, registry } = settings;
  if (!auth) return work(undefined);
  const dir = await mkdtemp(path.join(os.tmpdir(), "envforge-registry-auth-"));
  try {
    if ("token" in auth) {
      // docker sends a `registrytoken` as the bearer token as is; the user's contexts stay visible.
      await writeDockerConfig(dir, []);
      await writeFile(path.join(dir, "config.json"), JSON.stringify({ auths: { [registry]: { registrytoken: auth.token } } }), { mode: 0o600 });
    } else {
      await writeDockerConfig(dir, [{ registry, username: auth.username, password: auth.password }]);
    }
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function dockerTransport(connection: DockerConnection, settings: TransportSettings): ImageTransport {
  const cliFor = (dir: string | undefined) => (dir ? new DockerCli(connection, { DOCKER_CONFIG: dir }) : new DockerCli(connection));
  const timeoutMs = settings.timeoutMs;
  return {
    describe: () => new DockerCli(connection).describe(),
    pull: (remote, hash, target, canonical, signal) =>
      withAuthDir(settings, async (dir) => {
        const cli = cliFor(dir);
        await cli.run(["pull", "--quiet", remote], { signal, timeoutMs });
        const inspect = await cli.inspectImage(remote, signal);
        if (!inspect || inspect.Config?.Labels?.[LABEL_HASH] !== hash) return undefined;
        await cli.run(["tag", remote, CACHE_TAG(hash)], { signal, timeoutMs: 60_000 });
        const tagged = (await cli.inspectImage(CACHE_TAG(hash), signal)) ?? inspect;
        const entry = entryFromImage(tagged, hash, target, canonical, cli.describe());
        entry.artifact.details = { ...entry.artifact.details, foundBy: REGISTRY_STORE, pulledFrom: remote };
        return entry;
      }),
    push: (local, remote, signal) =>
      withAuthDir(settings, async (dir) => {
        const cli = cliFor(dir);
        await cli.run(["tag", local, remote], { signal, timeoutMs: 60_000 });
        await cli.run(["push", "--quiet", remote], { signal, timeoutMs });
      }),
  };
}

export function podmanTransport(connection: PodmanConnection, settings: TransportSettings): ImageTransport {
  const timeoutMs = settings.timeoutMs;
  const flags = (dir: string | undefined) => [
    ...(settings.insecure ? ["--tls-verify=false"] : []),
    ...(dir ? [`--authfile=${path.join(dir, "config.json")}`] : []),
  ];
  const auth = (): TransportSettings => {
    if (settings.auth && "token" in settings.auth) {
      settings.note("podman takes registry credentials as username and password only; pushing and pulling without the token");
      return { ...settings, auth: undefined };
    }
    return settings;
  };
  return {
    describe: () => new PodmanCli(connection).describe(),
    pull: (remote, hash, target, canonical, signal) =>
      withAuthDir(auth(), async (dir) => {
        const cli = new PodmanCli(connection);
        await cli.run(["pull", "--quiet", ...flags(dir), remote], { signal, timeoutMs });
        const inspect = await cli.inspectImage(remote, signal);
        if (!inspect || labelsOf(inspect)[LABEL_HASH] !== hash) return undefined;
        await cli.run(["tag", remote, CACHE_TAG(hash)], { signal, timeoutMs: 60_000 });
        const tagged = (await cli.inspectImage(CACHE_TAG(hash), signal)) ?? inspect;
        const entry = podmanEntryFromImage(tagged, hash, target, canonical, cli.describe(), REGISTRY_STORE);
        entry.artifact.details = { ...entry.artifact.details, pulledFrom: remote };
        return entry;
      }),
    push: (local, remote, signal) =>
      withAuthDir(auth(), async (dir) => {
        await new PodmanCli(connection).run(["push", "--quiet", ...flags(dir), local, remote], { signal, timeoutMs });
      }),
  };
}
