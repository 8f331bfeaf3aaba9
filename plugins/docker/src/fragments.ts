import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { BuilderOptions, Engine, EngineEvent, Hash, ImageFragmentContext, ParsedSpec, SpecSource } from "@envforge/core/plugin-kit";
import { generateDockerfile, IMAGE_VENV, type GeneratedImage, type SectionFragment } from "./generator.js";
import { fallbackPipFragment, pythonFragment } from "./python-layers.js";
import { DOCKER_SECTION } from "./section.js";

/**
 * Where the conda plugin's image fragment creates the environment (`IMAGE_CONDA_PREFIX` of
 * plugin-conda; not imported, so the docker plugin does not depend on the conda plugin).
 */
export const CONDA_IMAGE_PREFIX = "/opt/envforge/conda-env";

/**
 * Asks each section of the canonical spec for its part of the image (`hooks.imageFragment`).
 * The interpreter checks and, when no plugin taps "pip", a small built-in pip fragment fill in
 * for sections core or a missing plugin would leave empty. Returns the venv to put on PATH, if any.
 */
export async function collectImageFragments(
  engine: Engine,
  ctx: ImageFragmentContext,
): Promise<{ fragments: SectionFragment[]; venv: string | undefined }> {
  const sections = ctx.canonical.sections;
  const fragments: SectionFragment[] = [];
  const python = sections.python as { userManaged?: boolean; version?: string; interpreterPath?: string } | undefined;
  const userManaged = python?.userManaged === true;
  const withConda = sections.conda !== undefined;
  // A system-managed interpreterPath is the image's venv base (python-layers.ts); conda brings its own.
  const systemInterpreter = !userManaged && !withConda ? python?.interpreterPath : undefined;
  if (!userManaged && withConda && python?.interpreterPath !== undefined) {
    ctx.warn("W_INTERPRETER_IGNORED", `python.interpreterPath ${python.interpreterPath} is not used in the image: the conda environment brings its own interpreter`, "drop interpreterPath, or python.conda to build a venv from it");
  }
  const pipHooked = engine.hooks.imageFragment.get("pip")?.isUsed() === true;
  for (const section of Object.keys(sections).sort()) {
    if (section === DOCKER_SECTION) continue; // the base and the steps: the generator's own
    const value = sections[section]!;
    const hook = engine.hooks.imageFragment.get(section);
    if (hook?.isUsed()) {
      const fragment = await hook.promise(value, ctx);
      if (fragment) fragments.push({ section, fragment });
    } else if (section === "python") {
      // The built-in pip fragment checks the version where it creates the venv, conda where it
      // solves; otherwise the image's python3 is checked on its own.
      const checkSystemPython = (sections.pip === undefined || pipHooked) && sections.conda === undefined;
      const fragment = pythonFragment(value, { checkSystemPython, withConda });
      if (fragment) fragments.push({ section, fragment });
    } else if (section === "pip") {
      fragments.push({ section, fragment: fallbackPipFragment(value, ctx.options, python?.version, withConda ? CONDA_IMAGE_PREFIX : undefined, systemInterpreter) });
    } else {
      ctx.warn(
        "W_NO_IMAGE_FRAGMENT",
        `no loaded plugin puts the section "${section}" into an image; the image will not contain it`,
        `load the plugin for "${section}" with image support, or build a non-image target`,
      );
    }
  }
  // pip fragments install into IMAGE_VENV; with conda, the conda fragment owns the environment.
  const venv = sections.pip !== undefined && sections.conda === undefined && !userManaged ? IMAGE_VENV : undefined;
  return { fragments, venv };
}

/**
 * The sections an image carries (`engine.targets` of docker and podman): its own, the interpreter
 * and pip (built-in fragments), and any section a loaded plugin has an image fragment for.
 */
export function imageCarries(engine: Engine): (section: string) => boolean {
  return (section) => section === DOCKER_SECTION || section === "python" || section === "pip" || engine.hooks.imageFragment.get(section)?.isUsed() === true;
}

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
    const ctx = fragmentContext(parsed, result.hash, result.canonical, workDir, options);
    const { fragments, venv } = await collectImageFragments(engine, ctx);
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
  options: RenderOptions,
): ImageFragmentContext {
  const emit = options.onEvent ?? (() => undefined);
  return {
    hash,
    spec,
    canonical,
    workDir,
    options: options.builderOptions ?? {},
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
