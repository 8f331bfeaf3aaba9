import type { Command } from "commander";
import { engineFor, printJson, resolvePath, type CommandContext, type GlobalFlags } from "../context.js";

interface HashFlags extends GlobalFlags {
  canonical?: boolean;
}

export function registerHash(program: Command, ctx: CommandContext): void {
  program
    .command("hash")
    .description("print the efh1 hash of a definition (its last line), or --canonical what was hashed")
    .argument("<file>", "environment definition (YAML or JSON)")
    .option("--canonical", "print the canonical form (the exact bytes hashed) before the hash")
    .action(async (file: string, flags: HashFlags) => {
      const { engine } = engineFor(ctx, flags);
      const { parsed, result } = await engine.resolve(resolvePath(ctx.io, file));
      if (flags.json) {
        printJson(ctx, { hash: result.hash, canonical: result.canonical, canonicalText: result.canonicalText, name: parsed.identity.name ?? null });
        return;
      }
      if (flags.canonical) ctx.io.out(`${result.canonicalText}\n`);
      ctx.io.out(`${result.hash}\n`);
    });
}
