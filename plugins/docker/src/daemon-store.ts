import { execa } from "execa";
import {
  serializeCanonical,
  STAGE_DAEMON,
  type CacheEntry,
  type CacheHit,
  type CanonicalSpec,
  type Engine,
  type Hash,
} from "@envforge/core/plugin-kit";
import { DockerCli, type DockerConnection, type DockerImageInspect } from "./docker-cli.js";
import { LABEL_BUILDER, LABEL_CANONICAL, LABEL_HASH } from "./generator.js";

export const DAEMON_STORE = "docker-daemon";

/** Finds the image carrying `dev.envforge.hash=<hash>` in the engine, or undefined. Throws when unreachable. */
export async function findImageByHash(cli: DockerCli, hash: Hash, signal?: AbortSignal): Promise<DockerImageInspect | undefined> {
  const listed = await execa(
    cli.command,
    [...cli.globalArgs, "image", "ls", "--no-trunc", "--quiet", "--filter", `label=${LABEL_HASH}=${hash}`],
    { env: cli.env, reject: false, cancelSignal: signal, timeout: 15_000 },
  );
  if (listed.failed) throw cli.toError(listed, ["image"]);
  const ids = [...new Set(listed.stdout.split("\n").map((l) => l.trim()).filter(Boolean))];
  for (const id of ids) {
    const inspect = await cli.inspectImage(id, signal);
    if (inspect?.Config?.Labels?.[LABEL_HASH] === hash) return inspect;
  }
  return undefined;
}

/** The cache entry an image in the engine stands for. */
export function entryFromImage(inspect: DockerImageInspect, hash: Hash, target: string, canonical: CanonicalSpec | undefined, engineName: string): CacheEntry {
  const labels = inspect.Config?.Labels ?? {};
  const tags = inspect.RepoTags ?? [];
  const cacheTag = tags.find((t) => t.startsWith("envforge/cache:"));
  const canonicalText =
    labels[LABEL_CANONICAL] ?? (canonical && Object.keys(canonical.sections).length > 0 ? serializeCanonical(canonical) : "");
  return {
    schema: 1,
    hash,
    target,
    generation: 1,
    builder: labels[LABEL_BUILDER] ?? target,
    artifact: {
      kind: "docker-image",
      reference: cacheTag ?? tags[0] ?? inspect.Id,
      digest: inspect.Id,
      sizeBytes: inspect.Size,
      details: { tags, repoDigests: inspect.RepoDigests ?? [], created: inspect.Created, engine: engineName, foundBy: DAEMON_STORE },
    },
    timings: { startedAt: inspect.Created, finishedAt: inspect.Created, durationMs: 0 },
    canonicalText,
  };
}

/**
 * The local engine as a cache store: an image labelled with the hash is a hit, even when the
 * local cache folder is new (another checkout, a wiped cache). A store never fails a build: an
 * unreachable engine is one warning, then a miss.
 */
export function tapDaemonStore(engine: Engine, target: string, connection: DockerConnection, storeName = DAEMON_STORE): void {
  let warned = false;
  engine.hooks.lookup.tapPromise({ name: `${target}:${storeName}`, stage: STAGE_DAEMON }, async (key, canonical) => {
    if (key.target !== target) return undefined;
    try {
      const cli = new DockerCli(connection);
      const inspect = await findImageByHash(cli, key.hash);
      if (!inspect) return undefined;
      const hit: CacheHit = { entry: entryFromImage(inspect, key.hash, target, canonical, cli.describe()), store: storeName };
      return hit;
    } catch (cause) {
      if (!warned) {
        warned = true;
        engine.emit({
          type: "warning",
          code: "W_DAEMON_UNREACHABLE",
          message: `the ${storeName} cache store cannot ask the engine: ${(cause as Error).message}; treating it as a miss`,
          hint: "start the engine or set the docker plugin's host/context; set daemonCache: false to skip this store",
        });
      }
      return undefined;
    }
  });
}

/** What a `verify` tap needs of an image engine (docker or podman). */
export interface ImageEngineProbe {
  describe(): string;
  inspectImage(reference: string): Promise<unknown>;
}

/**
 * Checks that an image the local cache recorded is still in the engine (`docker rmi` leaves the
 * entry behind). An engine that cannot answer says nothing: the build could not run there either.
 * Shared with the podman plugin.
 */
export function tapImageVerify(engine: Engine, target: string, store: string, probe: () => ImageEngineProbe): void {
  engine.hooks.verify.for(target).tapPromise(`${target}:${store}`, async (entry) => {
    const reference = entry.artifact.digest ?? entry.artifact.reference;
    if (!reference) return undefined;
    const cli = probe();
    const inspect = await cli.inspectImage(reference).catch(() => "unreachable" as const);
    if (inspect === "unreachable" || inspect !== undefined) return undefined;
    return `the image ${entry.artifact.reference ?? reference} is no longer in ${cli.describe()}`;
  });
}

export function tapDaemonVerify(engine: Engine, target: string, connection: DockerConnection): void {
  tapImageVerify(engine, target, DAEMON_STORE, () => new DockerCli(connection));
}
