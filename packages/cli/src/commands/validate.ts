import type { Command } from "commander";
import { printJson, workspaceFor, type CommandContext, type GlobalFlags } from "../context.js";

export function registerValidate(program: Command, ctx: CommandContext): void {
  program
    .command("validate")
    .description("check a definition (schema, packages, referenced files); exit 1 with the first problem")
    .argument("<ref>", "definition file or folder, registered NAME[@VERSION|:LABEL], or curated:NAME")
    .action(async (ref: string, flags: GlobalFlags) => {
      const { engine, workspace } = workspaceFor(ctx, flags);
      const { parsed, result } = await workspace.withSource(ref, (source) => engine.resolve(source));
      const sections = Object.keys(parsed.sections).sort();
      if (flags.json) printJson(ctx, { ok: true, hash: result.hash, sections, files: parsed.loaded.files.map((f) => f.absolutePath) });
      else ctx.io.out(`ok ${parsed.loaded.file} (${sections.join(", ") || "no sections"})\n`);
    });
}
