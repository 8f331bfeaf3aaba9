import type { Command } from "commander";
import { engineFor, printJson, type CommandContext, type GlobalFlags } from "../context.js";

export function registerCache(program: Command, ctx: CommandContext): void {
  const cache = program.command("cache").description("inspect the local cache");
  cache
    .command("ls")
    .description("list cached builds: hash, target, generation, name, artifact")
    .action(async (flags: GlobalFlags, command: Command) => {
      const merged = { ...command.optsWithGlobals(), ...flags } as GlobalFlags;
      const { engine } = engineFor(ctx, merged);
      const entries = await engine.cache.local.list();
      if (merged.json) {
        printJson(ctx, entries);
        return;
      }
      if (entries.length === 0) ctx.io.out(`no entries in ${engine.cache.local.root}\n`);
      for (const e of entries) {
        const where = e.artifact.path ?? e.artifact.reference ?? e.artifact.kind;
        ctx.io.out(`${e.hash}  ${e.target.padEnd(7)} gen ${e.generation}  ${(e.name ?? "-").padEnd(20)} ${where}\n`);
      }
    });
  cache
    .command("dir")
    .description("print the cache folder")
    .action((flags: GlobalFlags, command: Command) => {
      const { engine } = engineFor(ctx, { ...command.optsWithGlobals(), ...flags } as GlobalFlags);
      ctx.io.out(`${engine.cache.local.root}\n`);
    });
}
