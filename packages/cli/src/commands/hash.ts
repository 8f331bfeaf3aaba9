import type { Command } from "commander";
import { printJson, workspaceFor, type CommandContext, type GlobalFlags } from "../context.js";

interface HashFlags extends GlobalFlags {
  canonical?: boolean;
}

export function registerHash(program: Command, ctx: CommandContext): void {
  program
    .command("hash")
    .description("print the efh1 hash of a definition (its last line), or --canonical what was hashed")
    .argument("<ref>", "definition file or folder, registered NAME[@VERSION|:LABEL], or curated:NAME")
    .option("--canonical", "print the canonical form (the exact bytes hashed) before the hash")
    .action(async (ref: string, flags: HashFlags) => {
      const { engine, workspace } = workspaceFor(ctx, flags);
      const { parsed, result } = await workspace.withSource(ref, (source) => engine.resolve(source));
      if (flags.json) {
        printJson(ctx, { hash: result.hash, canonical: result.canonical, canonicalText: result.canonicalText, name: parsed.identity.name ?? null });
        return;
      }
      if (flags.canonical) ctx.io.out(`${result.canonicalText}\n`);
      ctx.io.out(`${result.hash}\n`);
    });
}
