import type { Command } from "commander";
import { engineFor, type CommandContext, type GlobalFlags } from "../context.js";

export function registerSchema(program: Command, ctx: CommandContext): void {
  program
    .command("schema")
    .description("print the JSON Schema of environment files (for editors: yaml-language-server, VS Code)")
    .action((flags: GlobalFlags) => {
      const { engine } = engineFor(ctx, flags);
      ctx.io.out(`${JSON.stringify(engine.jsonSchema(), null, 2)}\n`);
    });
}
