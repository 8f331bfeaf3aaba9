import type { Command } from "commander";
import { EnvforgeError } from "@envforge/core";
import { listGenerations } from "@envforge/workspace";
import { engineFor, printJson, refArg, workspaceFor, type CommandContext, type GlobalFlags } from "../context.js";

interface GcFlags extends GlobalFlags {
  maxAgeDays?: string;
  maxSize?: string;
  dryRun?: boolean;
}

/** `10G`, `500M`, `1024` → bytes. */
function bytesOf(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(text.trim());
  if (!m) throw new EnvforgeError({ code: "E_INVALID_VALUE", message: `invalid size "${text}"`, hint: "a number of bytes with an optional unit: 500M, 10G" });
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2]!.toUpperCase() as "" | "K" | "M" | "G" | "T"];
  return Math.round(Number(m[1]) * unit);
}

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
    .command("gc")
    .description("remove builds by age and size budget; keeps what registered, non-archived environments need")
    .option("--max-age-days <n>", "remove unreachable builds older than this")
    .option("--max-size <bytes>", "remove the oldest unreachable builds until the cache fits (e.g. 10G)")
    .option("--dry-run", "report what would be removed")
    .action(async (flags: GcFlags, command: Command) => {
      const merged = { ...command.optsWithGlobals(), ...flags } as GcFlags;
      const { workspace } = workspaceFor(ctx, merged);
      const report = await workspace.gc({
        maxAgeDays: merged.maxAgeDays === undefined ? undefined : Number(merged.maxAgeDays),
        maxBytes: merged.maxSize === undefined ? undefined : bytesOf(merged.maxSize),
        dryRun: merged.dryRun,
      });
      if (merged.json) return printJson(ctx, report);
      const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
      for (const item of report.removed) ctx.io.out(`${report.dryRun ? "would remove" : "removed"} ${item.kind} ${item.target ?? ""} ${item.hash ?? ""} ${item.generation ?? ""} (${item.reason}, ${mb(item.bytes)})\n`);
      for (const item of report.inUse) ctx.io.out(`kept (in use by a running build) ${item.hash ?? item.paths[0]}\n`);
      if (report.sourceMemos > 0) ctx.io.out(`${report.dryRun ? "would remove" : "removed"} ${report.sourceMemos} quick-path records of builds no longer cached\n`);
      ctx.io.out(`freed ${mb(report.freedBytes)}: ${mb(report.bytesBefore)} → ${mb(report.bytesAfter)}\n`);
      if (report.overBudgetBytes) ctx.io.out(`still ${mb(report.overBudgetBytes)} over budget: the rest is needed by registered environments\n`);
    });
  cache
    .command("generations")
    .description("every generation of a definition's build (rebuilds keep older ones until collected)")
    .argument("<ref>")
    .option("-t, --target <target>", "target", "venv")
    .action(async (ref: string, flags: GlobalFlags & { target: string }, command: Command) => {
      const merged = { ...command.optsWithGlobals(), ...flags } as GlobalFlags & { target: string };
      const { engine, workspace } = workspaceFor(ctx, merged);
      const { hash } = await workspace.definition(refArg(ctx, ref));
      const entries = await listGenerations(engine, hash, merged.target);
      if (merged.json) return printJson(ctx, entries);
      for (const e of entries) ctx.io.out(`gen ${e.generation}  ${e.timings.finishedAt}  ${e.artifact.path ?? e.artifact.reference ?? ""}\n`);
    });
  cache
    .command("dir")
    .description("print the cache folder")
    .action((flags: GlobalFlags, command: Command) => {
      const { engine } = engineFor(ctx, { ...command.optsWithGlobals(), ...flags } as GlobalFlags);
      ctx.io.out(`${engine.cache.local.root}\n`);
    });
}
