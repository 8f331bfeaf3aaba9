import type { Command } from "commander";
import { importCondaFile, importCondaPrefix } from "@envforge/plugin-conda";
import { importRequirementsFile } from "@envforge/plugin-pip";
import { importDockerfile, importImage, saveDefinition } from "@envforge/workspace";
import { emitDefinition } from "../output.js";
import { engineFor, resolvePath, type CommandContext, type GlobalFlags } from "../context.js";

interface ImportFlags extends GlobalFlags {
  output?: string;
  name?: string;
  tool?: string;
}

/** The name first (as a person would write it), then the rest. */
function withName(definition: { name?: string | undefined; python?: unknown }, name: string | undefined): object {
  const { name: own, ...rest } = definition;
  const chosen = name ?? own;
  return chosen === undefined ? rest : { name: chosen, ...rest };
}

export function registerImport(program: Command, ctx: CommandContext): void {
  const imp = program.command("import").description("make an envforge definition from another format (YAML on stdout, or --output)");
  const common = (c: Command) =>
    c.option("--output <file>", "write the definition to this file").option("--name <name>", "environment name");

  common(imp.command("conda").description("from a conda environment file (environment.yml)").argument("<file>"))
    .action(async (file: string, flags: ImportFlags) => {
      const definition = await importCondaFile(resolvePath(ctx.io, file));
      await emitDefinition(ctx, withName(definition, flags.name), flags.output, `imported from ${file}`);
    });

  common(imp.command("conda-prefix").description("from an existing conda prefix (needs conda, mamba or micromamba)").argument("<prefix>"))
    .option("--tool <tool>", "conda, mamba or micromamba (default: the first on PATH)")
    .action(async (prefix: string, flags: ImportFlags) => {
      const definition = await importCondaPrefix(resolvePath(ctx.io, prefix), flags.tool);
      await emitDefinition(ctx, withName(definition, flags.name), flags.output, `imported from the conda prefix ${prefix}`);
    });

  common(imp.command("requirements").description("from a pip requirements file").argument("<file>"))
    .action(async (file: string, flags: ImportFlags) => {
      const imported = await importRequirementsFile(resolvePath(ctx.io, file));
      for (const name of imported.unpinned) ctx.io.err(`warning W_UNPINNED: "${name}" is not pinned\n`);
      const o = imported.buildOptions;
      if (o.indexUrl || o.extraIndexUrls.length > 0 || o.findLinks.length > 0 || o.noIndex) {
        ctx.io.err("note: the file's index options are build options, not part of the definition; pass them to envforge build (--index-url, --find-links)\n");
      }
      await emitDefinition(ctx, withName({ python: { pip: imported.pip } }, flags.name), flags.output, `imported from ${file}`);
    });

  imp
    .command("dockerfile")
    .description("from a Dockerfile: it becomes the definition's base (docker.baseDockerfile), saved into a folder")
    .argument("<file>")
    .argument("<dir>", "folder to write the definition and the Dockerfile to")
    .option("--name <name>", "environment name")
    .action(async (file: string, dir: string, flags: ImportFlags) => {
      const { engine } = engineFor(ctx, flags);
      const captured = await importDockerfile(engine, resolvePath(ctx.io, file), { name: flags.name });
      const saved = await saveDefinition(captured.definition, resolvePath(ctx.io, dir));
      ctx.io.out(`wrote ${saved.file} ${captured.result.hash}\n`);
    });
  common(imp.command("image").description("from an existing image reference (it becomes docker.baseImage)").argument("<reference>"))
    .action(async (reference: string, flags: ImportFlags) => {
      const { engine } = engineFor(ctx, flags);
      const captured = await importImage(engine, reference, { name: flags.name });
      await emitDefinition(ctx, captured.definition.document, flags.output, `imported from the image ${reference}`);
    });
}
