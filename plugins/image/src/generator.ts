import path from "node:path";
import { lockedFrom } from "./image-lock.js";
import { createError, type CanonicalSpec, type Hash, type ImageFragment } from "@envforge/core/plugin-kit";
import { checkStep } from "./dockerfile-check.js";
import { dockerCanonicalOf } from "./section.js";

/** Labels every envforge image carries: how the daemon store and image details find it. */
export const LABEL_HASH = "dev.envforge.hash";
/** The hash of a definition whose Dockerfile was rendered offline and differs from its build. */
export const LABEL_OFFLINE_OF = "dev.envforge.offline-of";
export const LABEL_CANONICAL = "dev.envforge.canonical";
/** Added by the builder (`--label`), not the Dockerfile: the generated text is shared by builders. */
export const LABEL_BUILDER = "dev.envforge.builder";

/** Where system-managed Python lives in an image: a venv made from the image's own python3. */
export const IMAGE_VENV = "/opt/envforge/venv";

/** A fragment with the section it came from, as the generator orders them. */
export interface SectionFragment {
  section: string;
  fragment: ImageFragment;
}

export interface DockerfileInput {
  hash: Hash;
  canonical: CanonicalSpec;
  /** The exact text that was hashed; stored in the canonical label so an image explains itself. */
  canonicalText: string;
  /** Fragments of every section (python checks, conda, pip, spark…), in any order. */
  fragments: SectionFragment[];
  /** Set `VIRTUAL_ENV`/`PATH` to this venv at the end (when a fragment created it). */
  venv?: string | undefined;
}

/** A Dockerfile and everything its build context must hold. */
export interface GeneratedImage {
  dockerfile: string;
  /** Context-relative path → content. */
  files: Record<string, string | Uint8Array>;
  /** Context-relative path → host folder to copy. */
  folders: Record<string, string>;
}

/**
 * Escapes a value for a double-quoted word of a Dockerfile (LABEL/ENV): backslash, quote and `$`
 * (LABEL and ENV expand variables) are escaped; a newline cannot appear in one.
 */
export function quoteDockerfileWord(value: string): string {
  if (/[\n\r]/.test(value)) throw new Error("a Dockerfile word cannot hold a line break");
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

/** An exec-form instruction (`RUN ["a", "b"]`): arguments reach the program without a shell. */
export function execForm(keyword: "RUN" | "CMD" | "ENTRYPOINT", argv: readonly string[]): string {
  return `${keyword} ${JSON.stringify(argv)}`;
}

/**
 * The Dockerfile of an environment, from least to most likely to change so that a changed pin
 * reuses every layer below it: the base (image or Dockerfile content), build arguments, the
 * custom steps, the venv's PATH, then each section's fragment by its order (python checks 20,
 * conda 30, pip 40, spark 50), and last the labels (they change with every hash). Pure: the same
 * input gives the same text, which `envforge dockerfile` prints.
 */
export function generateDockerfile(input: DockerfileInput): GeneratedImage {
  const docker = dockerCanonicalOf(input.canonical.sections);
  if (!docker) {
    throw createError("E_MISSING_FIELD", "an image build needs a docker: section with a base image", {
      field: "docker.baseImage",
      hint: "add `docker: {baseImage: python:3.11-slim}` (or baseDockerfile) to the definition; the base is part of the hash",
    });
  }
  const lines: string[] = [];
  if ("image" in docker.base) lines.push(`FROM ${lockedFrom(docker.base.image, input.canonical.sections)}`);
  else lines.push(docker.base.dockerfile.trimEnd());
  // Declared, not assigned: values come from the builder's --build-arg and never enter this text.
  const argNames = Object.keys(docker.buildArgs ?? {});
  if (argNames.length > 0) lines.push(...argNames.map((name) => `ARG ${name}`));
  lines.push(...docker.steps);
  // The venv's PATH depends on nothing a section lists: below the fragments, so a changed pin
  // does not rebuild it (each instruction is a container commit for the classic builder). No
  // fragment runs a bare `python`/`pip` it would shadow before the venv exists.
  if (input.venv !== undefined) {
    lines.push(`ENV VIRTUAL_ENV=${quoteDockerfileWord(input.venv)} PATH=${quoteDockerfileWord(`${input.venv}/bin`)}:$PATH`);
  }

  const files: Record<string, string | Uint8Array> = {};
  const folders: Record<string, string> = {};
  const ordered = [...input.fragments].sort(
    (a, b) => a.fragment.order - b.fragment.order || (a.section < b.section ? -1 : a.section > b.section ? 1 : 0),
  );
  for (const { section, fragment } of ordered) {
    fragment.instructions.forEach((instruction, i) => {
      // Fragments come from plugins; each must be one complete instruction like a user's step,
      // so none can swallow the next or smuggle a second instruction in.
      checkStep(instruction, { what: `imageFragment(${section}).instructions[${i}]`, locate: () => undefined }, { allowContextFiles: true });
      lines.push(instruction);
    });
    for (const [rel, content] of Object.entries(fragment.files ?? {})) addContextPath(files, rel, content, section, "file");
    for (const [rel, host] of Object.entries(fragment.folders ?? {})) addContextPath(folders, rel, host, section, "folder");
  }
  // The daemon store takes an image with the hash label for the cached build: a Dockerfile that
  // differs from the build (rendered offline) names the hash under another label.
  const hashLabel = ordered.some(({ fragment }) => fragment.differsFromBuild === true) ? LABEL_OFFLINE_OF : LABEL_HASH;
  lines.push(`LABEL ${hashLabel}=${quoteDockerfileWord(input.hash)} ${LABEL_CANONICAL}=${quoteDockerfileWord(input.canonicalText)}`);
  return { dockerfile: `${lines.join("\n")}\n`, files, folders };
}

function addContextPath<T>(into: Record<string, T>, rel: string, value: T, section: string, kind: string): void {
  const normalized = path.posix.normalize(rel);
  if (path.posix.isAbsolute(rel) || normalized.startsWith("..") || normalized === "." || rel.includes("\\") || normalized === "Dockerfile") {
    throw createError("E_PLUGIN", `imageFragment(${section}) asks for the context ${kind} "${rel}", which is outside the build context or reserved`, {
      hint: "fragment paths are relative to the context root, e.g. envforge/pip/requirements.txt",
    });
  }
  if (normalized in into) {
    throw createError("E_PLUGIN", `two image fragments write the context ${kind} "${normalized}"`, {
      hint: "each section keeps its files under its own folder, e.g. envforge/<section>/",
    });
  }
  into[normalized] = value;
}
