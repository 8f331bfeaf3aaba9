import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { BuilderOptions, Engine, EngineEvent, Hash, ImageFragmentContext, ParsedSpec, SpecSource } from "@envforge/core/plugin-kit";
import { collectImageFragments } from "./fragments.js";
import { loadDockerfileParser } from "./dockerfile-check.js";
import { generateDockerfile, type GeneratedImage } from "./generator.js";

export interface RenderOptions {
  builderOptions?: BuilderOptions | undefined;
  signal?: AbortSignal | undefined;
  /** Receives what fragment providers log or warn while they work. */
  onEvent?: ((event: EngineEvent) => void) | undefined;
  /**
   * Fragments do no network work (`ImageFragmentContext.offline`): what `envforge dockerfile`
   * prints. Off, the Dockerfile is the one an image build uses (Spark jars resolved on the host).
   */
  offline?: boolean | undefined;
  /**
   * Called with the generated image while the folders fragments made in the scratch folder still
   * exist (they are removed afterwards): write the build context here, with `writeBuildContext`.
   */
  withImage?: ((image: GeneratedImage) => Promise<void>) | undefined;
}

export interface RenderedDockerfile {
  hash: Hash;
  canonicalText: string;
  image: GeneratedImage;
}

/**
 * The Dockerfile and context files an image build of `source` would use, without building
 * (`envforge dockerfile FILE` renders it `offline`). Fragment providers may work in a scratch
 * folder, which is removed afterwards.
 */
export async function renderDockerfile(
  engine: Engine,
  source: SpecSource | ParsedSpec,
  options: RenderOptions = {},
): Promise<RenderedDockerfile> {
  const { parsed, result } = await engine.resolve(source);
  const workDir = await mkdtemp(path.join(os.tmpdir(), "envforge-dockerfile-"));
  try {
    const ctx = fragmentContext(parsed, result.hash, result.canonical, workDir, { ...options, baseDir: engine.baseDir });
    const { fragments, venv } = await collectImageFragments(engine, ctx);
    await loadDockerfileParser();
    const image = generateDockerfile({ hash: result.hash, canonical: result.canonical, canonicalText: result.canonicalText, fragments, venv });
    await options.withImage?.(image);
    return { hash: result.hash, canonicalText: result.canonicalText, image };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

function fragmentContext(
  spec: ParsedSpec,
  hash: Hash,
  canonical: ImageFragmentContext["canonical"],
  workDir: string,
  options: RenderOptions & { baseDir: string },
): ImageFragmentContext {
  const emit = options.onEvent ?? (() => undefined);
  return {
    hash,
    spec,
    canonical,
    workDir,
    options: options.builderOptions ?? {},
    baseDir: options.baseDir,
    signal: options.signal ?? new AbortController().signal,
    offline: options.offline === true,
    log: (line, stream = "info") => emit({ type: "log", hash, stream, line }),
    warn: (code, message, hint) => emit({ type: "warning", code, message, hint }),
  };
}

/** Writes a generated image's build context: the Dockerfile, generated files and copied folders. */
export async function writeBuildContext(dir: string, image: GeneratedImage, dockerfileName = "Dockerfile"): Promise<string> {
  await mkdir(dir, { recursive: true });
  const dockerfile = path.join(dir, dockerfileName);
  await writeFile(dockerfile, image.dockerfile);
  for (const [rel, content] of Object.entries(image.files)) {
    const target = path.join(dir, rel);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  for (const [rel, host] of Object.entries(image.folders)) {
    const target = path.join(dir, rel);
    await mkdir(path.dirname(target), { recursive: true });
    await cp(host, target, { recursive: true, dereference: true });
  }
  return dockerfile;
}
