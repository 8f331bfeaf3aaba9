import path from "node:path";
import {
  createError,
  defineSection,
  frozenCopy,
  matchesName,
  tapSection,
  z,
  type CanonicalSections,
  type Engine,
  type EnvforgeError,
  type ParseContext,
  type SectionFields,
} from "@envforge/core/plugin-kit";
import { checkBaseDockerfile, checkStep, fileLocator, loadDockerfileParser, normalizeDockerfileText, normalizeStep } from "./dockerfile-check.js";
import { normalizePlatform } from "./platform.js";
import { dockerStepsRefused, imageRegistryCheck } from "./image-policy.js";
import { normalizeImageReference } from "./reference.js";

export const DOCKER_SECTION = "docker";
/** Tap name of the section; also how a second registration (docker + podman loaded together) is detected. */
export const DOCKER_SECTION_TAP = "docker-section";

/** Build-argument names: what Dockerfile `ARG` accepts and a shell can hold as a variable. */
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The base of an image: a reference, or the content of a Dockerfile (its path never counts). */
export type DockerBase = { image: string } | { dockerfile: string };

/** The canonical `docker` section: what is hashed, and what the Dockerfile generator reads. */
export type DockerCanonical = {
  base: DockerBase;
  /** A sequence: order counts. */
  steps: string[];
  /** Normalized `os/arch[/variant]`. */
  platform?: string;
  /** Keys sorted. Values are passed to the builder as arguments, never written into the Dockerfile. */
  buildArgs?: Record<string, string>;
};

/** What the parser keeps: the canonical value plus where the base Dockerfile came from (not hashed). */
export type DockerParsed = DockerCanonical & { baseDockerfilePath?: string | undefined };

declare module "@envforge/core" {
  interface SectionTypes {
    docker: { parsed: DockerParsed; canonical: DockerCanonical };
  }
}

const FIELDS = {
  "docker.baseImage": {
    schema: z.string(),
    description: "base image reference, e.g. python:3.11-slim (fully qualified before hashing)",
  },
  "docker.baseDockerfile": {
    schema: z.string().min(1),
    description: "path of a Dockerfile to build on, relative to this file (its content counts, not its path)",
  },
  "docker.steps": {
    schema: z.array(z.string()),
    description: "custom Dockerfile instructions run after the base, one instruction per item, in order",
  },
  "docker.platform": {
    schema: z.string(),
    description: "target platform os/arch[/variant], e.g. linux/amd64",
  },
  "docker.buildArgs": {
    schema: z.record(z.string(), z.string()),
    description: "build arguments (ARG) for the image build; values are strings (quote numbers)",
  },
} as const;

/** The `docker` section: its fields, parser and canonical form (no image fragment: the generator reads it). */
export const dockerSection = defineSection({
  name: DOCKER_SECTION,
  schema(schema) {
    for (const [field, def] of Object.entries(FIELDS)) {
      schema.field({ path: field, section: DOCKER_SECTION, schema: def.schema, description: def.description });
    }
    schema.rule({ kind: "exactlyOne", fields: ["docker.baseImage", "docker.baseDockerfile"] });
  },
  parse: (fields, ctx) => parseDockerSection(fields, ctx),
  canonicalize: (parsed) => canonicalDocker(parsed),
});

/**
 * Registers the `docker` section (schema, parser, canonicalizer, presence check) once per engine.
 * Both image plugins (docker, podman) call it; the second call is a no-op, so loading both never
 * declares the section twice.
 */
export function applyDockerSection(engine: Engine): void {
  const { hooks } = engine;
  if (hooks.schema.taps.some((tap) => tap.name === DOCKER_SECTION_TAP)) return;
  tapSection(engine, DOCKER_SECTION_TAP, dockerSection);
  // `docker: {}` has no field for the parser to see; it still promises an image, so it needs a base.
  hooks.validate.tap(DOCKER_SECTION_TAP, (spec) => {
    const raw = spec.loaded.data.docker;
    if (raw !== undefined && spec.sections[DOCKER_SECTION] === undefined) {
      throw missingBase(spec.loaded.locator.locate(["docker"]));
    }
  });
}

function missingBase(location: ReturnType<ParseContext["locate"]>): EnvforgeError {
  return createError("E_MISSING_FIELD", "docker: needs a base: set docker.baseImage or docker.baseDockerfile", {
    field: "docker.baseImage",
    location,
    hint: "e.g. `baseImage: python:3.11-slim`, or `baseDockerfile: ./Dockerfile` (exactly one of the two)",
  });
}

export async function parseDockerSection(fields: SectionFields, ctx: ParseContext): Promise<DockerParsed> {
  const baseImage = fields["docker.baseImage"] as string | undefined;
  const baseDockerfile = fields["docker.baseDockerfile"] as string | undefined;
  if (baseImage !== undefined && baseDockerfile !== undefined) {
    throw createError("E_CONFLICTING_FIELDS", "docker.baseImage and docker.baseDockerfile are both set", {
      field: "docker.baseDockerfile",
      location: ctx.locate(["docker", "baseDockerfile"], true),
      hint: "keep exactly one: baseImage for an image reference, or baseDockerfile for a Dockerfile to build on",
    });
  }
  // The host policy, checked here so that validate and hash refuse what a build would refuse.
  const policy = ctx.policy;
  const rawSteps = (fields["docker.steps"] as string[] | undefined) ?? [];
  if (!policy.allowDockerSteps && baseDockerfile !== undefined) throw dockerStepsRefused("docker.baseDockerfile", ctx.locate(["docker", "baseDockerfile"], true));
  if (!policy.allowDockerSteps && rawSteps.length > 0) throw dockerStepsRefused("docker.steps", ctx.locate(["docker", "steps"], true));
  if (baseDockerfile !== undefined || rawSteps.length > 0) await loadDockerfileParser();
  let base: DockerBase;
  let baseDockerfilePath: string | undefined;
  let stages: Set<string> | undefined;
  if (baseImage !== undefined) {
    const site = { location: ctx.locate(["docker", "baseImage"]), field: "docker.baseImage" };
    base = { image: normalizeImageReference(baseImage, site).reference };
    imageRegistryCheck(policy, "docker.baseImage")?.(baseImage.trim(), site);
  } else if (baseDockerfile !== undefined) {
    const location = ctx.locate(["docker", "baseDockerfile"]);
    const file = await ctx.readFile(baseDockerfile, { field: "docker.baseDockerfile", location });
    const content = normalizeDockerfileText(file.content);
    const what = path.basename(file.absolutePath);
    stages = checkBaseDockerfile(
      content,
      { location, field: "docker.baseDockerfile", locate: fileLocator(file.absolutePath), what },
      { checkImage: imageRegistryCheck(policy, what), args: fields["docker.buildArgs"] as Record<string, string> | undefined },
    );
    base = { dockerfile: content };
    baseDockerfilePath = file.absolutePath;
  } else {
    throw missingBase(ctx.locate(["docker"]));
  }

  const steps = rawSteps.map((raw, index) => {
    const step = normalizeStep(raw);
    const field = `docker.steps[${index}]`;
    checkStep(step, { location: ctx.locate(["docker", "steps", index]), field, locate: () => undefined, what: field }, { checkImage: imageRegistryCheck(policy, field), stages });
    return step;
  });

  const out: DockerParsed = { base, steps, baseDockerfilePath };
  const platform = fields["docker.platform"] as string | undefined;
  if (platform !== undefined) {
    out.platform = normalizePlatform(platform, { location: ctx.locate(["docker", "platform"]), field: "docker.platform" });
  }
  const args = fields["docker.buildArgs"] as Record<string, string> | undefined;
  if (args !== undefined) out.buildArgs = checkBuildArgs(args, ctx);
  return out;
}

function checkBuildArgs(args: Record<string, string>, ctx: ParseContext): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const name of Object.keys(args).sort()) {
    const value = args[name]!;
    const field = `docker.buildArgs.${name}`;
    if (!ARG_NAME.test(name)) {
      throw createError("E_INVALID_VALUE", `build argument name ${JSON.stringify(name)} is not a valid ARG name`, {
        field,
        location: ctx.locate(["docker", "buildArgs", name], true),
        hint: "names are letters, digits and _, not starting with a digit, e.g. PIP_NO_CACHE_DIR",
      });
    }
    const denied = ctx.policy.deniedVariables.find((p) => matchesName(name, [p]));
    if (denied !== undefined) {
      // A build argument is a variable in every RUN of the build (PIP_INDEX_URL, LD_PRELOAD…).
      throw createError("E_POLICY", `the host policy does not let a definition set the build argument ${name}${denied === name ? "" : ` (matched by ${denied})`}: it changes what the image build runs or fetches`, {
        field,
        location: ctx.locate(["docker", "buildArgs", name], true),
        hint: `remove it, or, if you trust the definition, allow it: \`--allow-variable ${/^[\w.-]+$/.test(denied) ? denied : `'${denied}'`}\` on the CLI, or leave "${denied}" out of policy.deniedVariables`,
      });
    }
    if (value.includes("\0")) {
      throw createError("E_INVALID_VALUE", `build argument ${name} contains a NUL character`, {
        field,
        location: ctx.locate(["docker", "buildArgs", name]),
        hint: "build argument values are passed on the builder's command line, which cannot hold NUL",
      });
    }
    out[name] = value;
  }
  // No arguments build the same as an empty mapping.
  return Object.keys(out).length === 0 ? undefined : out;
}

/** The canonical value: base, steps as a sequence, optional platform and sorted build arguments. */
export function canonicalDocker(parsed: DockerParsed): DockerCanonical {
  // Frozen here (see canonicalCondaSection): nothing left for the engine to walk.
  const out: DockerCanonical = {
    base: Object.freeze<DockerBase>("image" in parsed.base ? { image: parsed.base.image } : { dockerfile: parsed.base.dockerfile }),
    steps: frozenCopy(parsed.steps),
  };
  if (parsed.platform !== undefined) out.platform = parsed.platform;
  if (parsed.buildArgs !== undefined) {
    out.buildArgs = Object.freeze(Object.fromEntries(Object.keys(parsed.buildArgs).sort().map((k) => [k, parsed.buildArgs![k]!])));
  }
  return Object.freeze(out);
}

/** Reads the canonical docker section back (for builders and the generator); undefined when absent. */
export function dockerCanonicalOf(sections: CanonicalSections): DockerCanonical | undefined {
  return sections.docker;
}
