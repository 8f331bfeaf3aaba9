import type { Command } from "commander";
import type { FieldDifference } from "@envforge/core/plugin-kit";
import { printJson, workspaceFor, type CommandContext, type GlobalFlags } from "../context.js";

const DIFFER = 1;

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
    .argument("<a>", "first definition: a file or folder, NAME[@VERSION|:LABEL], or curated:NAME")
    .argument("<b>", "second definition (same forms)")
    .option("--exit-code", "exit 1 when the definitions differ, 0 when they hash the same (like git diff --exit-code); without it, 0 either way")
    .action(async (a: string, b: string, flags: GlobalFlags & { exitCode?: boolean }) => {
      const { workspace } = workspaceFor(ctx, flags);
      const explanation = await workspace.diff(a, b);
      // 1 as `git diff --exit-code` says "they differ" (an unreadable definition is an error on stderr, also 1).
      if (flags.exitCode && !explanation.equal) ctx.exitCode = DIFFER;
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
