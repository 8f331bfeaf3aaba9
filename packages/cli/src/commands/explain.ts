import type { Command } from "commander";
import type { FieldDifference } from "@envforge/core";
import { engineFor, printJson, resolvePath, type CommandContext, type GlobalFlags } from "../context.js";

function show(value: unknown): string {
  return value === undefined ? "(absent)" : JSON.stringify(value);
}

export function describeDifference(d: FieldDifference): string[] {
  const lines = [`~ ${d.path}`];
  for (const v of d.removed ?? []) lines.push(`    - ${show(v)}`);
  for (const v of d.added ?? []) lines.push(`    + ${show(v)}`);
  if (!d.added && !d.removed) lines.push(`    - ${show(d.a)}`, `    + ${show(d.b)}`);
  else if (d.added?.length === 0 && d.removed?.length === 0) lines.push(`    order: ${show(d.a)} → ${show(d.b)}`);
  return lines;
}

export function registerExplain(program: Command, ctx: CommandContext): void {
  program
    .command("explain")
    .description("say which canonical fields differ between two definitions: why one misses the other's cache entry")
    .argument("<a>", "first definition")
    .argument("<b>", "second definition")
    .action(async (a: string, b: string, flags: GlobalFlags) => {
      const { engine } = engineFor(ctx, flags);
      const explanation = await engine.explain(resolvePath(ctx.io, a), resolvePath(ctx.io, b));
      if (flags.json) {
        printJson(ctx, explanation);
        return;
      }
      if (explanation.equal) {
        ctx.io.out(`same hash ${explanation.a}: one would hit the other's cache entry\n`);
        return;
      }
      ctx.io.out(`a: ${explanation.a}\nb: ${explanation.b}\n`);
      ctx.io.out(`${explanation.differences.length} canonical field(s) differ:\n`);
      for (const d of explanation.differences) ctx.io.out(`${describeDifference(d).join("\n")}\n`);
    });
}
