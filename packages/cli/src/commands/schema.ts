import type { Command } from "commander";
import { engineFor, type CommandContext, type GlobalFlags } from "../context.js";

export function registerSchema(program: Command, ctx: CommandContext): void {
  program
    .command("schema")
    .description(
      "print the JSON Schema (draft-07) of environment files, for editors: save it and start a YAML file with " +
        "`# yaml-language-server: $schema=FILE`, or give a `$schema` key (neither is hashed)",
    )
    .action((flags: GlobalFlags) => {
      const { engine } = engineFor(ctx, flags);
      ctx.io.out(`${JSON.stringify(engine.jsonSchema(), null, 2)}\n`);
    });
}
