import type { Command } from "commander";
import { renderDockerfile } from "@envforge/plugin-docker";
import { parseBuilderOptions } from "../builder-options.js";
import { engineFor, printJson, resolvePath, type CommandContext, type GlobalFlags } from "../context.js";

interface DockerfileFlags extends GlobalFlags {
  option: string[];
}

export function registerDockerfile(program: Command, ctx: CommandContext): void {
  program
    .command("dockerfile")
    .description("print the Dockerfile an image build of the definition would use (nothing is built)")
    .argument("<file>", "environment definition")
    .option("-o, --option <plugin.key=value>", "builder option, repeatable (not hashed)", (v: string, p: string[]) => [...p, v], [])
    .action(async (file: string, flags: DockerfileFlags) => {
      const { engine } = engineFor(ctx, flags);
      const rendered = await renderDockerfile(engine, resolvePath(ctx.io, file), {
        builderOptions: parseBuilderOptions(flags.option),
        onEvent: (event) => engine.emit(event),
      });
      if (flags.json) {
        printJson(ctx, { hash: rendered.hash, dockerfile: rendered.image.dockerfile, files: Object.keys(rendered.image.files), folders: rendered.image.folders });
        return;
      }
      ctx.io.out(rendered.image.dockerfile.endsWith("\n") ? rendered.image.dockerfile : `${rendered.image.dockerfile}\n`);
    });
}
