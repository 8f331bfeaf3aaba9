import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { BuilderOptions } from "@envforge/core/plugin-kit";
import {
  buildFailedError,
  connectionIn,
  PODMAN_OUTPUT,
  listIds,
  streamBuild,
  type BuildOutputTracker,
  withAuthDir,
  writeDockerConfig,
  type ImageBuildRequest,
  type ImageBuildResult,
  type ImageEngine,
  type ImageEngineFor,
  type ImageRecordTraits,
  type ImageTransfer,
  type LayerRepository,
} from "@envforge/image";
import type { PodmanBuildOptions, PodmanConnection } from "./options.js";
import { PodmanCli, podmanImageInfo } from "./podman-cli.js";

/** How podman's images are recorded in cache entries, and its image store. */
export const PODMAN_RECORD: ImageRecordTraits = Object.freeze<ImageRecordTraits>({
  store: "podman-storage",
  foundPlatform: true,
  builtTags: "listed",
  layerCache: "layer-repository",
  unreachable: {
    code: "W_PODMAN_UNREACHABLE",
    subject: "podman",
    hint: "install podman or fix the podman plugin's connection options; set storageCache: false to skip this store",
  },
});

/**
 * One podman (a storage, or a remote service) as an `ImageEngine`, over the podman CLI. `authFile`
 * is a build's own credentials file (`withCredentials`).
 */
export function createPodmanEngine(options: PodmanBuildOptions = {}, cli: PodmanCli = new PodmanCli(options), authFile?: string): ImageEngine {
  const run = (args: string[], call: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined } = {}) => cli.run(args, { signal: call.signal, timeoutMs: call.timeoutMs });
  return {
    name: "podman",
    remote: cli.remote,
    record: PODMAN_RECORD,
    describe: () => cli.describe(),
    ping: (signal) => run(["info", "--format", "{{.Version.Version}}"], { signal, timeoutMs: 60_000 }),
    build: (request) => podmanBuild(cli, options, authFile, request),
    inspect: async (reference, signal) => {
      const inspect = await cli.inspectImage(reference, signal);
      return inspect && podmanImageInfo(inspect);
    },
    withLabel: (name, value, signal) => listIds(cli, ["images", "--quiet", "--no-trunc", "--filter", `label=${name}=${value}`], signal, 30_000),
    tag: async (source, target, call) => void (await run(["tag", source, target], call)),
    push: (local, remote, transfer) =>
      withTransferAuth(transfer, async (flags) => void (await run(["push", "--quiet", ...flags, local, remote], transfer))),
    pull: (remote, transfer) => withTransferAuth(transfer, async (flags) => void (await run(["pull", "--quiet", ...flags, remote], transfer))),
    remove: async (reference, call) => void (await run(["image", "rm", reference], call)),
    runner: () => cli,
    withCredentials: async (credentials, dir) => {
      // podman reads the same auths format as docker's config.json; the file lives in the scratch dir.
      const file = path.join(await writeDockerConfig(path.join(dir, "auth"), credentials), "config.json");
      return createPodmanEngine(options, cli.withEnv({ REGISTRY_AUTH_FILE: file }), file);
    },
  };
}

/** `--tls-verify=false` for a plain-HTTP registry, `--authfile` for a transfer's credentials (a token cannot be used). */
function withTransferAuth(transfer: ImageTransfer, work: (flags: string[]) => Promise<void>): Promise<void> {
  let auth = transfer.auth;
  if (auth && "token" in auth) {
    transfer.note?.("podman takes registry credentials as username and password only; pushing and pulling without the token");
    auth = undefined;
  }
  return withAuthDir(transfer.registry, auth, (dir) =>
    work([...(transfer.insecure ? ["--tls-verify=false"] : []), ...(dir ? [`--authfile=${path.join(dir, "config.json")}`] : [])]),
  );
}

/** Connection options a build's own `podman` builder options may set: push from the podman that built the image. */
export const PODMAN_CONNECTION_KEYS = ["podmanPath", "url", "connection", "identity", "root", "runroot", "storageDriver", "storageConf"] as const;

/** The podman of a build (its builder options' connection over `connection`), for the registry cache. */
export function podmanEngines(connection: PodmanConnection = {}): ImageEngineFor {
  return (builderOptions?: BuilderOptions) => createPodmanEngine({ ...connection, ...connectionIn(builderOptions?.podman, PODMAN_CONNECTION_KEYS) });
}

/**
 * `podman build` of a generated context: buildah's own layer cache, and the request's layer
 * repository (`--cache-from`/`--cache-to`) when there is one. buildah fails the whole build when it
 * cannot push a layer there (the registry went away): the build then runs once more without it.
 */
async function podmanBuild(cli: PodmanCli, options: PodmanBuildOptions, authFile: string | undefined, request: ImageBuildRequest): Promise<ImageBuildResult> {
  const isolation = options.isolation ?? "chroot";
  request.log(`podman build (isolation ${isolation}) on ${cli.describe()} (podman ${request.engineVersion})`, "info");
  // buildah matches its cache against intermediate images it made itself: a pulled final image has none (PODMAN_RECORD.layerCache).
  if (request.cacheFrom?.length) request.log(`podman does not reuse the layers of pulled images; not using ${request.cacheFrom.join(", ")}`, "info");
  const repository = request.layerRepository;
  if (repository) {
    const flags = await layerRepositoryFlags(repository, authFile, request);
    const first = await runBuild(cli, buildArgs(options, isolation, flags.authFile, request, flags.args), request);
    if (!first.failed) return { cachedSteps: first.tracker.cachedSteps(), details: { isolation, layerRepository: repository.reference } };
    if (!first.cachePushFailed) throw first.error;
    request.log(`could not push a layer to the layer cache ${repository.reference}; building again without it`, "info");
  }
  const plain = await runBuild(cli, buildArgs(options, isolation, authFile, request, []), request);
  if (plain.failed) throw plain.error;
  return { cachedSteps: plain.tracker.cachedSteps(), details: { isolation, ...(repository ? { layerRepositoryFailed: true } : {}) } };
}

function buildArgs(options: PodmanBuildOptions, isolation: string, authFile: string | undefined, request: ImageBuildRequest, extra: string[]): string[] {
  const args = ["build", `--file=${request.dockerfile}`];
  for (const tag of request.tags) args.push(`--tag=${tag}`);
  for (const [name, value] of Object.entries(request.labels)) args.push(`--label=${name}=${value}`);
  args.push(`--isolation=${isolation}`, "--layers=true", `--pull=${options.pull ? "always" : "missing"}`);
  for (const [name, value] of Object.entries(request.buildArgs)) args.push(`--build-arg=${name}=${value}`);
  if (request.platform !== undefined) args.push(`--platform=${request.platform}`);
  if (options.network !== undefined) args.push(`--network=${options.network}`);
  if (authFile !== undefined) args.push(`--authfile=${authFile}`);
  args.push(...extra, request.contextDir);
  return args;
}

/**
 * `--cache-from`/`--cache-to` of the layer repository. Its credentials join the build's own in one
 * auth file in the build's scratch folder (buildah takes a single `--authfile`). `--tls-verify=false`
 * for a plain-HTTP registry applies to every registry the build talks to (buildah has no per-registry
 * flag); the base image is pulled only when missing.
 */
async function layerRepositoryFlags(repository: LayerRepository, authFile: string | undefined, request: ImageBuildRequest): Promise<{ args: string[]; authFile: string | undefined }> {
  const args = [`--cache-from=${repository.reference}`];
  if (!repository.readOnly) args.push(`--cache-to=${repository.reference}`);
  if (repository.insecure) args.push("--tls-verify=false");
  let auth = repository.auth;
  if (auth && "token" in auth) {
    request.log("podman takes registry credentials as username and password only; using the layer cache without the token", "info");
    auth = undefined;
  }
  if (!auth) return { args, authFile };
  const merged = authFile ? (JSON.parse(await readFile(authFile, "utf8")) as { auths?: Record<string, unknown> }) : {};
  const auths = { ...merged.auths, [repository.registry]: { auth: Buffer.from(`${auth.username}:${auth.password}`).toString("base64") } };
  const file = path.join(request.workDir, "layer-cache-auth.json");
  await writeFile(file, JSON.stringify({ ...merged, auths }), { mode: 0o600 });
  return { args, authFile: file };
}

type BuildRun = { failed: false; tracker: BuildOutputTracker } | { failed: true; cachePushFailed: boolean; error: Error; tracker: BuildOutputTracker };

async function runBuild(cli: PodmanCli, args: string[], request: ImageBuildRequest): Promise<BuildRun> {
  let cachePushFailed = false;
  // buildah 1.28: `Error: failed pushing cache to {…}: …` ends the build.
  const onLine = (line: string) => void (cachePushFailed ||= /failed pushing cache to/i.test(line));
  const { failed, tracker } = await streamBuild(cli, args, PODMAN_OUTPUT, request, { onLine });
  if (!failed) return { failed: false, tracker };
  const error = buildFailedError("podman", tracker.failure(), "check that podman can reach its storage (or service) and that the base image exists");
  return { failed: true, cachePushFailed, error, tracker };
}
