import path from "node:path";
import { createError, matchesName, type Activation, type ActivationContext, type CacheEntry } from "@envforge/core/plugin-kit";
import type { ImageRunCli } from "./engine.js";

/**
 * Variables the container engine's CLI (or the process that starts it) reads for itself: set on
 * the CLI's environment they would change which CLI runs (PATH), which engine or configuration
 * it uses (DOCKER_HOST, HOME, CONTAINERS_CONF), its proxy or what it loads (LD_PRELOAD). A
 * definition's variable of such a name is passed inside on the command line instead (`-e NAME=value`).
 */
export const RUNNER_VARIABLES: readonly string[] = Object.freeze([
  "PATH",
  "HOME",
  "TMPDIR",
  "SHELL",
  "LD_*",
  "DYLD_*",
  "DOCKER_*",
  "BUILDKIT_*",
  "CONTAINERS_*",
  "_CONTAINERS_*",
  "BUILDAH_*",
  "REGISTRY_AUTH_FILE",
  "STORAGE_DRIVER",
  "STORAGE_OPTS",
  "XDG_*",
  "SSH_AUTH_SOCK",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "ALL_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "all_proxy",
  "GODEBUG",
  "GOGC",
  "GOMAXPROCS",
  "GOMEMLIMIT",
  "GOTRACEBACK",
]);

export interface ImageRunSpec {
  cli: ImageRunCli;
  /** `docker` or `podman`: in messages. */
  engine: string;
  /** Flags after `run --rm -i [-t]`: pull policy, init, ulimits, network. */
  flags: readonly string[];
  /** The flags that mount `dir` (an absolute host path) at the same path inside. */
  mount(dir: string): string[];
  /** A character that must not appear in a variable name passed by name (podman: `*` is a wildcard). */
  nameWildcards?: string | undefined;
  notes?: readonly string[] | undefined;
}

/**
 * The image a run starts: the image ID (or, for an image only known in a registry, its
 * digest-pinned reference), never a tag that someone could have moved to another image since.
 */
export function imageToRun(entry: CacheEntry, engine: string): string {
  const { digest, reference, details } = entry.artifact;
  const pulled = details?.pulled !== false;
  if (digest !== undefined && /^sha256:[0-9a-f]{64}$/.test(digest) && pulled) return digest;
  if (reference !== undefined && digest !== undefined && /^sha256:[0-9a-f]{64}$/.test(digest)) return `${withoutTag(reference)}@${digest}`;
  if (reference !== undefined && reference !== "") return reference;
  throw createError("E_NOT_FOUND", `the ${engine} build of ${entry.hash} records no image to run`, {
    hint: `build it again: envforge build REF --target ${entry.target} --rebuild`,
  });
}

/** `registry/repo:tag` → `registry/repo` (a port's colon is not a tag's). */
function withoutTag(reference: string): string {
  const at = reference.indexOf("@");
  const bare = at >= 0 ? reference.slice(0, at) : reference;
  const colon = bare.lastIndexOf(":");
  return colon > bare.lastIndexOf("/") ? bare.slice(0, colon) : bare;
}

/**
 * `CLI [global flags] run --rm -i [-t] FLAGS [--env NAME]… [mount] IMAGE`, to which the runner
 * appends the command's argv unchanged. Each runtime variable is passed by name only, and its
 * value goes into `env`, which the runner sets on the CLI's own process: values never appear on
 * a command line (`ps`). Names the CLI itself reads (RUNNER_VARIABLES) are the exception, and a
 * note says so.
 */
export function imageRunActivation(spec: ImageRunSpec, entry: CacheEntry, ctx: ActivationContext): Activation {
  const image = imageToRun(entry, spec.engine);
  const argv = [spec.cli.command, ...spec.cli.globalArgs, "run", "--rm", "-i"];
  if (ctx.tty) argv.push("-t");
  argv.push(...spec.flags);
  const env: Record<string, string> = { ...spec.cli.env };
  const notes = [...(spec.notes ?? [])];
  const inline: string[] = [];
  for (const [name, value] of Object.entries(ctx.variables)) {
    checkName(name, spec, ctx);
    if (matchesName(name, RUNNER_VARIABLES)) {
      argv.push(`--env=${name}=${value}`);
      inline.push(name);
    } else {
      argv.push(`--env=${name}`);
      env[name] = value;
    }
  }
  if (inline.length > 0) {
    notes.push(
      `${inline.join(", ")} ${inline.length === 1 ? "is" : "are"} passed into the container on the ${spec.engine} command line (visible to other users in the process list): the ${spec.engine} CLI reads ${inline.length === 1 ? "that name" : "those names"} itself`,
    );
  }
  if (ctx.runOptions.mountCwd === true) {
    const cwd = path.resolve(typeof ctx.runOptions.cwd === "string" ? ctx.runOptions.cwd : process.cwd());
    argv.push(...spec.mount(cwd));
  }
  argv.push(image);
  return { env, argvPrefix: argv, notes: notes.length > 0 ? notes : undefined };
}

/** A name that an engine would read as `NAME=value` or as a pattern cannot be passed by name. */
function checkName(name: string, spec: ImageRunSpec, ctx: ActivationContext): void {
  const bad = name === "" || name.includes("=") || name.includes("\0") || (spec.nameWildcards !== undefined && [...spec.nameWildcards].some((c) => name.includes(c)));
  if (!bad) return;
  throw createError("E_INVALID_VALUE", `the variable name ${JSON.stringify(name)} cannot be passed into a ${spec.engine} container`, {
    field: `variables.${name}`,
    location: ctx.spec?.loaded.locator.locate(["variables", name], true),
    hint: `a variable name must be non-empty and hold no "="${spec.nameWildcards ? ` or "${spec.nameWildcards}"` : ""}; rename it in the definition`,
  });
}
