import { readFile } from "node:fs/promises";
import path from "node:path";
import type { BuilderOptions } from "@envforge/core/plugin-kit";
import {
  buildFailedError,
  connectionIn,
  DOCKER_OUTPUT,
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
} from "@envforge/image";
import { DockerCli, dockerImageInfo, type BuildkitMode, type DockerConnection } from "./docker-cli.js";
import type { DockerBuildOptions } from "./options.js";

/** How docker's images are recorded in cache entries, and its image store. */
export const DOCKER_RECORD: ImageRecordTraits = Object.freeze<ImageRecordTraits>({
  store: "docker-daemon",
  foundPlatform: false,
  builtTags: "given",
  layerCache: "pulled-image",
  unreachable: {
    code: "W_DAEMON_UNREACHABLE",
    subject: "the engine",
    hint: "start the engine or set the docker plugin's host/context; set daemonCache: false to skip this store",
  },
});

/** One docker engine (a host, a context, or the default) as an `ImageEngine`, over the docker CLI. */
export function createDockerEngine(options: DockerBuildOptions = {}, cli: DockerCli = new DockerCli(options)): ImageEngine {
  const run = (args: string[], call: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined } = {}) => cli.run(args, { signal: call.signal, timeoutMs: call.timeoutMs });
  const withConfig = (dir: string | undefined) => (dir ? cli.withEnv({ DOCKER_CONFIG: dir }) : cli);
  return {
    name: "docker",
    remote: options.host !== undefined || options.context !== undefined,
    record: DOCKER_RECORD,
    describe: () => cli.describe(),
    ping: (signal) => run(["version", "--format", "{{.Server.Version}}"], { signal, timeoutMs: 60_000 }),
    build: (request) => dockerBuild(cli, options, request),
    inspect: async (reference, signal) => {
      const inspect = await cli.inspectImage(reference, signal);
      return inspect && dockerImageInfo(inspect);
    },
    withLabel: (name, value, signal) => listIds(cli, ["image", "ls", "--no-trunc", "--quiet", "--filter", `label=${name}=${value}`], signal, 15_000),
    tag: async (source, target, call) => void (await run(["tag", source, target], call)),
    push: (local, remote, transfer) =>
      withAuthDir(transfer.registry, transfer.auth, async (dir) => {
        const withAuth = withConfig(dir);
        await withAuth.run(["tag", local, remote], { signal: transfer.signal, timeoutMs: 60_000 });
        await withAuth.run(["push", "--quiet", remote], { signal: transfer.signal, timeoutMs: transfer.timeoutMs });
      }),
    pull: (remote, transfer) =>
      withAuthDir(transfer.registry, transfer.auth, async (dir) => {
        await withConfig(dir).run(["pull", "--quiet", remote], { signal: transfer.signal, timeoutMs: transfer.timeoutMs });
      }),
    remove: async (reference, call) => void (await run(["image", "rm", reference], call)),
    runner: () => cli,
    withCredentials: async (credentials, dir) =>
      createDockerEngine(options, cli.withEnv({ DOCKER_CONFIG: await writeDockerConfig(path.join(dir, "docker-config"), credentials) })),
  };
}

/** Connection options a build's own `docker` builder options may set: push from the engine that built the image. */
export const DOCKER_CONNECTION_KEYS = ["dockerPath", "host", "context"] as const;

/** The docker engine of a build (its builder options' connection over `connection`), for the registry cache. */
export function dockerEngines(connection: DockerConnection = {}): ImageEngineFor {
  return (builderOptions?: BuilderOptions) => createDockerEngine({ ...connection, ...connectionIn(builderOptions?.docker, DOCKER_CONNECTION_KEYS) });
}

/**
 * `docker build` of a generated context: BuildKit when available, every output line to the build
 * log, the image ID from `--iidfile`.
 */
async function dockerBuild(cli: DockerCli, options: DockerBuildOptions, request: ImageBuildRequest): Promise<ImageBuildResult> {
  const mode = await cli.buildkitMode(options.buildkit ?? "auto", request.signal);
  const iidFile = path.join(request.workDir, "image-id");
  const args = ["build", "--file", request.dockerfile, "--iidfile", iidFile];
  for (const tag of request.tags) args.push("--tag", tag);
  for (const [name, value] of Object.entries(request.labels)) args.push("--label", `${name}=${value}`);
  for (const [name, value] of Object.entries(request.buildArgs)) args.push("--build-arg", `${name}=${value}`);
  if (request.platform !== undefined) args.push("--platform", request.platform);
  if (options.network !== undefined) args.push("--network", options.network);
  if (options.pull) args.push("--pull");
  // Layers of images built elsewhere on the same base: the classic builder matches them in the
  // pulled image's history; BuildKit reads the inline cache metadata written below.
  for (const reference of request.cacheFrom ?? []) args.push("--cache-from", reference);
  if (mode === "classic") args.push("--force-rm");
  // Inline cache metadata in every BuildKit image, so a pushed image can be another machine's --cache-from.
  else args.push("--progress", "plain", "--build-arg", "BUILDKIT_INLINE_CACHE=1");
  // A buildx builder with a container driver keeps results to itself unless asked to load them.
  if (mode === "buildx") args.push("--load");
  args.push(request.contextDir);

  request.log(`docker build (${mode === "classic" ? "classic builder" : "BuildKit"}) on ${cli.describe()} (engine ${request.engineVersion})`, "info");
  const tracker = await runBuild(cli, args, mode, request);
  const imageId = (await readFile(iidFile, "utf8")).trim();
  return { imageId, cachedSteps: tracker.cachedSteps(), details: { buildkit: mode !== "classic" } };
}

async function runBuild(cli: DockerCli, args: string[], mode: BuildkitMode, request: ImageBuildRequest): Promise<BuildOutputTracker> {
  const env = { DOCKER_BUILDKIT: mode === "classic" ? "0" : "1", BUILDKIT_PROGRESS: "plain" };
  const { failed, tracker } = await streamBuild(cli, args, DOCKER_OUTPUT, request, { env });
  if (failed) throw buildFailedError("docker", tracker.failure(), "check that the docker engine is reachable and the base image exists");
  return tracker;
}
