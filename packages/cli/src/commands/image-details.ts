import type { Command } from "commander";
import { isEnvforgeError, isHash, type Engine, type Hash } from "@envforge/core/plugin-kit";
import type { ImageDetails } from "@envforge/image";
import { imageDetails } from "@envforge/plugin-docker";
import { podmanImageDetails } from "@envforge/plugin-podman";
import { registryDetails, type RegistryDetails } from "@envforge/plugin-registry-cache";
import { printJson, remoteOf, workspaceFor, type CommandContext, type GlobalFlags } from "../context.js";

export interface ImageDetailsFlags extends GlobalFlags {
  target: string;
  host?: string;
}

function registryOptions(location: string, insecure: boolean | undefined) {
  const slash = location.indexOf("/");
  return { registry: slash === -1 ? location : location.slice(0, slash), repository: slash === -1 ? undefined : location.slice(slash + 1), insecure };
}

export function registerImageDetails(program: Command, ctx: CommandContext): void {
  program
    .command("image-details")
    .description("reference, digest, size, labels, created, builder and where a built image is cached (local, engine, registry)")
    .argument("<ref-or-hash>", "definition file or folder, NAME[@VERSION|:LABEL], curated:NAME, or an efh1: hash")
    .option("-t, --target <target>", "image target: docker or podman", "docker")
    .option("-H, --host <url>", "engine to ask (default: DOCKER_HOST / CONTAINER_HOST or the local socket)")
    .action(async (what: string, flags: ImageDetailsFlags) => {
      const { engine, workspace } = workspaceFor(ctx, flags);
      const hash = isHash(what) ? (what as Hash) : (await workspace.definition(what)).hash;
      await showImageDetails(ctx, engine, hash, flags);
    });
}

/** What `image-details` (and `details` for an image target) prints: the engine's and the registry's view of the image of `hash`. */
export async function showImageDetails(ctx: CommandContext, engine: Engine, hash: Hash, flags: ImageDetailsFlags): Promise<void> {
  const remote = remoteOf(ctx, flags);
  const registry: RegistryDetails | undefined = remote
    ? await registryDetails(hash, { ...registryOptions(remote.location, remote.insecure), credentialsFile: remote.credentialsFile })
    : undefined;
  let details: ImageDetails | undefined;
  try {
    details =
      flags.target === "podman"
        ? await podmanImageDetails(engine, hash, { target: "podman" })
        : await imageDetails(engine, hash, { target: flags.target, host: flags.host });
  } catch (error) {
    if (!(isEnvforgeError(error) && error.code === "E_NOT_FOUND" && registry?.status === "found")) throw error;
  }
  const cachedIn = [...(details?.cachedIn ?? []), ...(registry?.status === "found" ? ["registry"] : [])];
  if (flags.json) {
    printJson(ctx, { ...details, hash, cachedIn, registry });
    return;
  }
  const found = registry?.status === "found" ? registry : undefined;
  const rows: [string, string | undefined][] = [
    ["hash", hash],
    ["reference", details?.reference ?? registry?.reference],
    ["image id", details?.imageId],
    ["digests", [...(details?.repoDigests ?? []), ...(found?.digest ? [`${found.reference}@${found.digest}`] : [])].join(", ") || "(not pushed)"],
    ["tags", details?.tags.join(", ")],
    ["size", details?.sizeBytes === undefined ? undefined : `${(details.sizeBytes / 1e6).toFixed(1)} MB`],
    ["platform", details?.platform],
    ["created", details?.created],
    ["builder", details?.builder],
    ["build time", details?.buildDurationMs === undefined ? undefined : `${(details.buildDurationMs / 1000).toFixed(1)} s`],
    ["cached in", cachedIn.join(", ")],
    ["registry", registry ? `${registry.reference} (${registry.status})` : undefined],
  ];
  for (const [k, v] of rows) if (v !== undefined) ctx.io.out(`${k.padEnd(11)} ${v}\n`);
  for (const [k, v] of Object.entries(details?.labels ?? {})) if (k !== "dev.envforge.canonical") ctx.io.out(`label       ${k}=${v}\n`);
}
