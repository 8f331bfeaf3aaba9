import { readFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { createError, hashHex, serializeCanonical, shortHash, type Artifact, type BuildContext, type BuildOutput, type Engine, type Hash } from "@envforge/core/plugin-kit";
import { BuildOutputTracker, buildFailedError } from "./build-output.js";
import { DockerCli, writeDockerConfig, type BuildkitMode } from "./docker-cli.js";
import { collectImageFragments, writeBuildContext } from "./fragments.js";
import { generateDockerfile, LABEL_BUILDER, LABEL_HASH } from "./generator.js";
import { resolveBuildOptions, type DockerBuildOptions } from "./options.js";
import { dockerCanonicalOf } from "./section.js";

export const DOCKER_TARGET = "docker";

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

/**
 * Builds the environment's image with the docker CLI: generates the Dockerfile and context,
 * picks BuildKit when available, streams every output line to the build log, and on a failed
 * step raises E_BUILD_FAILED with that step's own output (the engine then stores nothing).
 */
export async function buildDockerImage(engine: Engine, ctx: BuildContext, pluginOptions: DockerBuildOptions): Promise<BuildOutput> {
  const options = resolveBuildOptions(pluginOptions, ctx.options);
  const docker = dockerCanonicalOf(ctx.canonical.sections);
  let cli = new DockerCli(options);
  if (options.credentials && options.credentials.length > 0) {
    const config = await writeDockerConfig(path.join(ctx.workDir, "docker-config"), options.credentials);
    cli = cli.withEnv({ DOCKER_CONFIG: config });
  }
  const serverVersion = await cli.run(["version", "--format", "{{.Server.Version}}"], { signal: ctx.signal, timeoutMs: 60_000 });

  const { fragments, venv } = await collectImageFragments(engine, {
    hash: ctx.hash,
    spec: ctx.spec,
    canonical: ctx.canonical,
    workDir: ctx.workDir,
    options: ctx.options,
    signal: ctx.signal,
    log: ctx.log,
    warn: (code, message, hint) => ctx.warn(code, message, undefined, hint),
  });
  const image = generateDockerfile({ hash: ctx.hash, canonical: ctx.canonical, canonicalText: serializeCanonical(ctx.canonical), fragments, venv });
  const contextDir = path.join(ctx.workDir, "context");
  const dockerfile = await writeBuildContext(contextDir, image);

  const mode = await cli.buildkitMode(options.buildkit ?? "auto", ctx.signal);
  const tags = imageTags(ctx.hash, ctx.spec.identity.name);
  const iidFile = path.join(ctx.workDir, "image-id");
  const args = ["build", "--file", dockerfile, "--iidfile", iidFile, "--tag", tags.named, "--tag", tags.cache, "--label", `${LABEL_BUILDER}=${DOCKER_TARGET}`];
  for (const [name, value] of Object.entries(docker?.buildArgs ?? {})) args.push("--build-arg", `${name}=${value}`);
  if (docker?.platform !== undefined) args.push("--platform", docker.platform);
  if (options.network !== undefined) args.push("--network", options.network);
  if (options.pull) args.push("--pull");
  if (mode === "classic") args.push("--force-rm");
  else args.push("--progress", "plain");
  // A buildx builder with a container driver keeps results to itself unless asked to load them.
  if (mode === "buildx") args.push("--load");
  args.push(contextDir);

  ctx.log(`docker build (${mode === "classic" ? "classic builder" : "BuildKit"}) on ${cli.describe()} (engine ${serverVersion})`, "info");
  const tracker = await runBuild(cli, args, mode, ctx);
  const imageId = (await readFile(iidFile, "utf8")).trim();
  const inspect = await cli.inspectImage(tags.cache, ctx.signal);
  if (!inspect || inspect.Config?.Labels?.[LABEL_HASH] !== ctx.hash) {
    throw createError("E_BUILD_FAILED", `docker build finished but ${tags.cache} is missing or does not carry the label ${LABEL_HASH}=${ctx.hash}`, {
      hint: "another process may have retagged it; build again",
    });
  }
  const artifact: Artifact = {
    kind: "docker-image",
    reference: tags.cache,
    digest: imageId || inspect.Id,
    sizeBytes: inspect.Size,
    details: {
      tags: [tags.named, tags.cache],
      repoDigests: inspect.RepoDigests ?? [],
      created: inspect.Created,
      engine: cli.describe(),
      engineVersion: serverVersion,
      buildkit: mode !== "classic",
      platform: `${inspect.Os ?? "linux"}/${inspect.Architecture ?? "unknown"}${inspect.Variant ? `/${inspect.Variant}` : ""}`,
      layers: inspect.RootFS?.Layers ?? [],
      cachedSteps: tracker.cachedSteps(),
    },
  };
  return { artifact, builder: DOCKER_TARGET };
}

async function runBuild(cli: DockerCli, args: string[], mode: BuildkitMode, ctx: BuildContext): Promise<BuildOutputTracker> {
  const tracker = new BuildOutputTracker();
  const subprocess = execa(cli.command, [...cli.globalArgs, ...args], {
    env: { ...cli.env, DOCKER_BUILDKIT: mode === "classic" ? "0" : "1", BUILDKIT_PROGRESS: "plain" },
    all: true,
    buffer: false,
    reject: false,
    cancelSignal: ctx.signal,
    forceKillAfterDelay: 5000,
  });
  for await (const line of subprocess.iterable({ from: "all" })) {
    tracker.feed(line);
    ctx.log(line, "stdout");
  }
  const result = await subprocess;
  ctx.signal.throwIfAborted();
  if (result.failed) {
    if ((result as { code?: string }).code === "ENOENT") throw cli.toError(result, args);
    throw buildFailedError("docker", tracker.failure(), "check that the docker engine is reachable and the base image exists");
  }
  return tracker;
}
