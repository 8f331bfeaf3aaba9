import type { Command } from "commander";
import { isHash, type Hash } from "@envforge/core";
import { imageDetails } from "@envforge/plugin-docker";
import { engineFor, printJson, resolvePath, type CommandContext, type GlobalFlags } from "../context.js";

interface DetailsFlags extends GlobalFlags {
  target: string;
  host?: string;
}

export function registerImageDetails(program: Command, ctx: CommandContext): void {
  program
    .command("image-details")
    .description("reference, digest, size, labels, created, builder and where a built image is cached")
    .argument("<file-or-hash>", "environment definition, or an efh1: hash")
    .option("-t, --target <target>", "image target", "docker")
    .option("-H, --host <url>", "docker engine to ask (default: DOCKER_HOST or the local socket)")
    .action(async (what: string, flags: DetailsFlags) => {
      const { engine } = engineFor(ctx, flags);
      const source = isHash(what) ? (what as Hash) : resolvePath(ctx.io, what);
      const details = await imageDetails(engine, source, { target: flags.target, host: flags.host });
      if (flags.json) {
        printJson(ctx, details);
        return;
      }
      const rows: [string, string | undefined][] = [
        ["hash", details.hash],
        ["reference", details.reference],
        ["image id", details.imageId],
        ["digests", details.repoDigests.join(", ") || "(not pushed)"],
        ["tags", details.tags.join(", ")],
        ["size", details.sizeBytes === undefined ? undefined : `${(details.sizeBytes / 1e6).toFixed(1)} MB`],
        ["platform", details.platform],
        ["created", details.created],
        ["builder", details.builder],
        ["build time", details.buildDurationMs === undefined ? undefined : `${(details.buildDurationMs / 1000).toFixed(1)} s`],
        ["cached in", details.cachedIn.join(", ")],
      ];
      for (const [k, v] of rows) if (v !== undefined) ctx.io.out(`${k.padEnd(11)} ${v}\n`);
      const labels = Object.entries(details.labels).filter(([k]) => k !== "dev.envforge.canonical");
      for (const [k, v] of labels) ctx.io.out(`label       ${k}=${v}\n`);
    });
}
