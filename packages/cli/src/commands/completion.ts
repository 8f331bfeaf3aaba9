import { Argument, type Command } from "commander";
import { completionScript, SHELLS, type Shell } from "../completion-scripts.js";
import type { CommandContext } from "../context.js";

export function registerCompletion(program: Command, ctx: CommandContext): void {
  program
    .command("completion")
    .description("print a shell completion script: bash, zsh or fish (see the script's first lines to install it)")
    .addArgument(new Argument("<shell>", "the shell").choices(SHELLS))
    .action((shell: Shell) => {
      ctx.io.out(completionScript(shell, program));
    });
}
