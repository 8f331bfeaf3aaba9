import path from "node:path";
import { execa } from "execa";
import { createRedactor, createError, serializeCanonical, type Artifact, type BuildContext, type BuildOutput, type Engine } from "@envforge/core/plugin-kit";
import {
  buildFailedError,
  collectImageFragments,
  dockerCanonicalOf,
  generateDockerfile,
  imageTags,
  LABEL_BUILDER,
  LABEL_HASH,
  writeBuildContext,
  writeDockerConfig,
} from "@envforge/plugin-docker";
import { PodmanOutputTracker } from "./build-output.js";
import { resolvePodmanOptions, type PodmanBuildOptions } from "./options.js";
import { imageIdOf, labelsOf, PodmanCli, platformOf } from "./podman-cli.js";

export const PODMAN_TARGET = "podman";

/**
 * Builds the environment's image with `podman build` from the same generated Dockerfile and
 * context the docker builder uses (one generator, two engines). Streams every output line to
 * the build log; a failed step raises E_BUILD_FAILED with that step's own output, and the engine
 * then stores nothing.
 */
export async function buildPodmanImage(engine: Engine, ctx: BuildContext, pluginOptions: PodmanBuildOptions): Promise<BuildOutput> {
  const options = resolvePodmanOptions(pluginOptions, ctx.options);
  const docker = dockerCanonicalOf(ctx.canonical.sections);
  let cli = new PodmanCli(options);
  const credentials = options.credentials ?? [];
  // Passwords must not reach the log even if a tool echoes one back; the engine only knows flat options.
  const redact = createRedactor(credentials.map((c) => c.password));
  const log = (line: string, stream: "stdout" | "stderr" | "info" = "info") => ctx.log(redact.text(line), stream);
  let authFile: string | undefined;
  if (credentials.length > 0) {
    // podman reads the same auths format as docker's config.json; the file lives in the scratch dir.
    authFile = path.join(await writeDockerConfig(path.join(ctx.workDir, "auth"), credentials), "config.json");
    cli = cli.withEnv({ REGISTRY_AUTH_FILE: authFile });
  }
  const version = await cli.run(["info", "--format", "{{.Version.Version}}"], { signal: ctx.signal, timeoutMs: 60_000 });

  const { fragments, venv } = await collectImageFragments(engine, {
    hash: ctx.hash,
    spec: ctx.spec,
    canonical: ctx.canonical,
    workDir: ctx.workDir,
    options: ctx.options,
    signal: ctx.signal,
    log,
    warn: (code, message, hint) => ctx.warn(code, message, undefined, hint),
  });
  const image = generateDockerfile({ hash: ctx.hash, canonical: ctx.canonical, canonicalText: serializeCanonical(ctx.canonical), fragments, venv });
  const contextDir = path.join(ctx.workDir, "context");
  const dockerfile = await writeBuildContext(contextDir, image);

  const tags = imageTags(ctx.hash, ctx.spec.identity.name);
  const args = [
    "build",
    `--file=${dockerfile}`,
    `--tag=${tags.named}`,
    `--tag=${tags.cache}`,
    `--label=${LABEL_BUILDER}=${PODMAN_TARGET}`,
    `--isolation=${options.isolation ?? "chroot"}`,
    "--layers=true",
    `--pull=${options.pull ? "always" : "missing"}`,
  ];
  for (const [name, value] of Object.entries(docker?.buildArgs ?? {})) args.push(`--build-arg=${name}=${value}`);
  if (docker?.platform !== undefined) args.push(`--platform=${docker.platform}`);
  if (options.network !== undefined) args.push(`--network=${options.network}`);
  if (authFile !== undefined) args.push(`--authfile=${authFile}`);
  args.push(contextDir);

  log(`podman build (isolation ${options.isolation ?? "chroot"}) on ${cli.describe()} (podman ${version})`, "info");
  const tracker = await runBuild(cli, args, ctx, log);
  const inspect = await cli.inspectImage(tags.cache, ctx.signal).catch(() => undefined);
  if (!inspect || labelsOf(inspect)[LABEL_HASH] !== ctx.hash) {
    throw createError("E_BUILD_FAILED", `podman build finished but ${tags.cache} is missing or does not carry the label ${LABEL_HASH}=${ctx.hash}`, {
      hint: "another process may have retagged it; build again",
    });
  }
  const repoTags = inspect.RepoTags ?? [];
  const artifact: Artifact = {
    kind: "podman-image",
    reference: repoTags.find((t) => t.endsWith(tags.cache)) ?? tags.cache,
    digest: imageIdOf(inspect),
    sizeBytes: inspect.Size,
    details: {
      tags: repoTags,
      repoDigests: inspect.RepoDigests ?? [],
      manifestDigest: inspect.Digest,
      created: inspect.Created,
      engine: cli.describe(),
      engineVersion: version,
      isolation: options.isolation ?? "chroot",
      platform: platformOf(inspect),
      layers: inspect.RootFS?.Layers ?? [],
      cachedSteps: tracker.cachedSteps(),
    },
  };
  return { artifact, builder: PODMAN_TARGET };
}

async function runBuild(cli: PodmanCli, args: string[], ctx: BuildContext, log: (line: string, stream: "stdout") => void): Promise<PodmanOutputTracker> {
  const tracker = new PodmanOutputTracker();
  const subprocess = execa(cli.command, [...cli.globalArgs, ...args], {
    env: cli.env,
    all: true,
    buffer: false,
    reject: false,
    cancelSignal: ctx.signal,
    forceKillAfterDelay: 5000,
  });
  for await (const line of subprocess.iterable({ from: "all" })) {
    tracker.feed(line);
    log(line, "stdout");
  }
  const result = await subprocess;
  ctx.signal.throwIfAborted();
  if (result.failed) {
    if ((result as { code?: string }).code === "ENOENT") throw cli.toError(result, args);
    throw buildFailedError("podman", tracker.failure(), "check that podman can reach its storage (or service) and that the base image exists");
  }
  return tracker;
}
