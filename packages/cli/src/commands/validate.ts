import type { Command } from "commander";
import { engineFor, printJson, resolvePath, type CommandContext, type GlobalFlags } from "../context.js";

export function registerValidate(program: Command, ctx: CommandContext): void {
  program
    .command("validate")
    .description("check a definition (schema, packages, referenced files); exit 1 with the first problem")
    .argument("<file>", "environment definition")
    .action(async (file: string, flags: GlobalFlags) => {
      const { engine } = engineFor(ctx, flags);
      const { parsed, result } = await engine.resolve(resolvePath(ctx.io, file));
      const sections = Object.keys(parsed.sections).sort();
      if (flags.json) printJson(ctx, { ok: true, hash: result.hash, sections, files: parsed.loaded.files.map((f) => f.absolutePath) });
      else ctx.io.out(`ok ${parsed.loaded.file} (${sections.join(", ") || "no sections"})\n`);
    });
}
