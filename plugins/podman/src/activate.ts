import { existsSync } from "node:fs";
import { createError, type Activation, type ActivationContext, type CacheEntry } from "@envforge/core/plugin-kit";
import { imageRunActivation } from "@envforge/image";
import { resolvePodmanOptions, type PodmanBuildOptions } from "./options.js";
import { PodmanCli } from "./podman-cli.js";

/** Where podman looks for its init (`init_path` of containers.conf) unless told otherwise. */
const DEFAULT_INIT = "/usr/libexec/podman/catatonit";
const NETWORK = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const ULIMIT = /^(host|[a-z]+=(-1|\d+)(:(-1|\d+))?)$/;

/**
 * How `envforge run`/`shell`/`activate` run a command in a podman build: `podman [storage or
 * remote flags] run --rm -i [-t] --pull=never [--init] [--ulimit…] [--network N] --env NAME…
 * [--volume DIR:DIR --workdir DIR] IMAGE_ID` — the same storage (or service) the builder used,
 * the image by ID, never pulled.
 */
export function podmanActivation(entry: CacheEntry, ctx: ActivationContext, pluginOptions: PodmanBuildOptions): Activation {
  const options = resolvePodmanOptions(pluginOptions, ctx.options);
  const raw = { ...pluginOptions, ...(ctx.options.podman ?? {}) } as Record<string, unknown>;
  const cli = new PodmanCli(options);
  const flags = ["--pull=never"];
  const notes: string[] = [];
  const initPath = optionString(raw.runInitPath, "runInitPath");
  const init = raw.runInit === undefined ? initPath !== undefined || (!cli.remote && existsSync(DEFAULT_INIT)) : raw.runInit === true || raw.runInit === "true";
  if (init) flags.push("--init");
  if (init && initPath !== undefined) flags.push(`--init-path=${initPath}`);
  if (!init) {
    notes.push(
      "no init process in the container: a command that does not handle SIGINT/SIGTERM itself ignores them as PID 1; install catatonit, or set -o podman.runInit=true / -o podman.runInitPath=PATH",
    );
  }
  for (const ulimit of listOf(raw.runUlimit, "runUlimit")) {
    if (!ULIMIT.test(ulimit)) {
      throw createError("E_INVALID_VALUE", `podman option runUlimit ${JSON.stringify(ulimit)} is not a ulimit`, { hint: "NAME=SOFT[:HARD], e.g. -o podman.runUlimit=nofile=1024:1024" });
    }
    flags.push(`--ulimit=${ulimit}`);
  }
  const network = optionString(raw.runNetwork, "runNetwork");
  if (network !== undefined) {
    if (!NETWORK.test(network)) {
      throw createError("E_INVALID_VALUE", `podman option runNetwork ${JSON.stringify(network)} is not a network name`, { hint: "none, host, or the name of a podman network" });
    }
    flags.push(`--network=${network}`);
  }
  const builtOn = entry.artifact.details?.engine;
  if (typeof builtOn === "string" && builtOn !== cli.describe()) notes.push(`the image was built on ${builtOn}; this run uses ${cli.describe()}`);
  if (ctx.runOptions.mountCwd === true && cli.remote) notes.push(`--mount-cwd mounts the folder of that path on the machine of ${cli.describe()}, not necessarily this one`);
  // podman reads `--env NAME*` as every host variable starting with NAME.
  return imageRunActivation({ cli, engine: "podman", flags, mount: podmanMount, nameWildcards: "*", notes }, entry, ctx);
}

/** `--volume DIR:DIR` (podman splits it at colons, so a colon cannot be in the path) and work there. */
function podmanMount(dir: string): string[] {
  if (dir.includes(":") || /[\n\r]/.test(dir)) {
    throw createError("E_INVALID_VALUE", `the working folder ${JSON.stringify(dir)} holds a colon or line break: podman cannot mount it with --volume`, {
      hint: "run from a folder whose path has no colon",
    });
  }
  return [`--volume=${dir}:${dir}`, `--workdir=${dir}`];
}

function optionString(value: unknown, key: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") {
    throw createError("E_INVALID_VALUE", `podman option ${key} must be a non-empty string`, { hint: `e.g. -o podman.${key}=value` });
  }
  return value;
}

function listOf(value: unknown, key: string): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => optionString(v, key)!);
}
