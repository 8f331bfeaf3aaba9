import { createError, type Activation, type ActivationContext, type CacheEntry } from "@envforge/core/plugin-kit";
import { DockerCli } from "./docker-cli.js";
import { imageRunActivation } from "@envforge/image";
import { resolveBuildOptions, type DockerBuildOptions } from "./options.js";

/**
 * How `envforge run`/`shell`/`activate` run a command in a docker build: `docker [--host|--context]
 * run --rm -i [-t] --pull never --init [--network N] --env NAME… [--mount … --workdir DIR] IMAGE_ID`.
 * The engine is the one the builder options name (the one the image was built on); the image is
 * its ID, so a tag moved since cannot swap another image in, and `--pull never` keeps docker from
 * looking for one in a registry.
 */
export function dockerActivation(entry: CacheEntry, ctx: ActivationContext, pluginOptions: DockerBuildOptions): Activation {
  const options = resolveBuildOptions(pluginOptions, ctx.options);
  const cli = new DockerCli(options);
  const flags = ["--pull", "never"];
  if (options.runInit !== false) flags.push("--init");
  if (options.runNetwork !== undefined) flags.push(`--network=${options.runNetwork}`);
  const notes: string[] = [];
  const builtOn = entry.artifact.details?.engine;
  if (typeof builtOn === "string" && builtOn !== cli.describe()) notes.push(`the image was built on ${builtOn}; this run uses ${cli.describe()}`);
  if (ctx.runOptions.mountCwd === true && (options.host !== undefined || options.context !== undefined)) {
    notes.push(`--mount-cwd mounts the folder of that path on the machine of ${cli.describe()}, not necessarily this one`);
  }
  return imageRunActivation({ cli, engine: "docker", flags, mount: dockerMount, notes }, entry, ctx);
}

/** A bind mount of `dir` at the same path, working there. `--mount` is CSV: a comma or quote in the path is quoted. */
function dockerMount(dir: string): string[] {
  if (/[\n\r]/.test(dir)) {
    throw createError("E_INVALID_VALUE", `the working folder ${JSON.stringify(dir)} has a line break: docker cannot mount it`, { hint: "run from another folder" });
  }
  return [`--mount=type=bind,${csvField(`source=${dir}`)},${csvField(`target=${dir}`)}`, `--workdir=${dir}`];
}

function csvField(text: string): string {
  return /[",]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}
