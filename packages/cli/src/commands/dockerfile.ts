import type { Command } from "commander";
import { contextEntries, prepareContextDir, renderDockerfile, writeBuildContext, type ContextEntry } from "@envforge/image";
import { parseBuilderOptions } from "../builder-options.js";
import { printJson, resolvePath, workspaceFor, type CommandContext, type GlobalFlags } from "../context.js";

interface DockerfileFlags extends GlobalFlags {
  option: string[];
  context?: string;
  force?: boolean;
}

export function registerDockerfile(program: Command, ctx: CommandContext): void {
  program
    .command("dockerfile")
    .description(
      "print the Dockerfile an image build of the definition would use, and on stderr the files its build context holds; " +
        "offline: nothing is built or resolved (Spark packages are left to Spark at first use)",
    )
    .argument("<ref>", "definition file or folder, registered NAME[@VERSION|:LABEL], or curated:NAME")
    .option("-o, --option <plugin.key=value>", "builder option, repeatable (not hashed)", (v: string, p: string[]) => [...p, v], [])
    .option("--context <dir>", "write the whole build context there (the Dockerfile and every file it copies): `docker build DIR` then works")
    .option("--force", "with --context: replace the Dockerfile and envforge/ folder of a folder that is not empty")
    .action(async (ref: string, flags: DockerfileFlags) => {
      const { engine, workspace } = workspaceFor(ctx, flags);
      const contextDir = flags.context === undefined ? undefined : resolvePath(ctx.io, flags.context);
      const rendered = await workspace.withSource(ref, (source) =>
        renderDockerfile(engine, source, {
          builderOptions: parseBuilderOptions(flags.option),
          onEvent: (event) => engine.emit(event),
          offline: true,
          // The same writer the image builders use, so the context written here never drifts
          // from the one `envforge build --target docker` sends to the daemon.
          withImage: async (image) => {
            if (contextDir === undefined) return;
            await prepareContextDir(contextDir, image, flags.force === true);
            await writeBuildContext(contextDir, image);
          },
        }),
      );
      const entries = contextEntries(rendered.image);
      if (flags.json) {
        printJson(ctx, {
          hash: rendered.hash,
          dockerfile: rendered.image.dockerfile,
          files: Object.keys(rendered.image.files),
          folders: rendered.image.folders,
          context: entries,
          contextDir: contextDir ?? null,
        });
        return;
      }
      ctx.io.out(rendered.image.dockerfile.endsWith("\n") ? rendered.image.dockerfile : `${rendered.image.dockerfile}\n`);
      if (!flags.quiet) ctx.io.err(describeContext(entries, contextDir));
    });
}

/** The build context in words, for stderr: what `docker build` needs beside the Dockerfile. */
function describeContext(entries: readonly ContextEntry[], contextDir: string | undefined): string {
  const lines = [
    contextDir === undefined
      ? entries.length === 0
        ? "build context: nothing besides the Dockerfile (`docker build - < Dockerfile` works)"
        : "build context: the Dockerfile copies these; write them with --context DIR, then `docker build DIR`"
      : `wrote the build context to ${contextDir}: \`docker build ${contextDir}\` builds it`,
  ];
  if (contextDir !== undefined) lines.push("  Dockerfile");
  for (const e of entries) lines.push(e.kind === "file" ? `  ${e.path} (${e.bytes} bytes)` : `  ${e.path}/ (folder, from ${e.from})`);
  return `${lines.join("\n")}\n`;
}
