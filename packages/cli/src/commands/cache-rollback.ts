import type { Command } from "commander";
import { createError, isHash, type CacheKey, type Hash } from "@envforge/core/plugin-kit";
import { Sizer, type GcItem, type Workspace } from "@envforge/workspace";
import { printJson, workspaceFor, type CommandContext, type GlobalFlags } from "../context.js";
import { humanBytes } from "../human.js";
import { numberFlag } from "../number-flag.js";

interface GcFlags extends GlobalFlags {
  maxAgeDays?: string;
  maxSize?: string;
  dryRun?: boolean;
  yes?: boolean;
  pruneGenerations?: boolean;
  registry?: boolean;
}

interface RmFlags extends GlobalFlags {
  target: string;
  allGenerations?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  registry?: boolean;
}

/** `10G`, `500M`, `1024` → bytes. */
function bytesOf(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(text.trim());
  if (!m) throw createError("E_INVALID_VALUE", `--max-size ${JSON.stringify(text)} is not valid: give a number of bytes from 0, with an optional unit K, M, G or T`, { field: "--max-size", hint: "e.g. --max-size 10G or --max-size 500M" });
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2]!.toUpperCase() as "" | "K" | "M" | "G" | "T"];
  return Math.round(Number(m[1]) * unit);
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** A definition reference, or a full hash (`efh1:<hex>`: an entry whose definition is gone). */
async function hashOf(workspace: Workspace, ref: string): Promise<Hash> {
  return isHash(ref) ? ref : (await workspace.definition(ref)).hash;
}

function itemLine(item: GcItem): string {
  return `${item.kind} ${item.target ?? ""} ${item.hash ?? item.paths[0] ?? ""}${item.generation !== undefined ? ` gen ${item.generation}` : ""} (${item.reason}, ${mb(item.bytes)})`;
}

/**
 * `cache gc`, `cache generations` and `cache rm`: what deletes or rolls back. Nothing is deleted
 * without `--yes`: without it the plan is printed and the command says how to delete (exit 0).
 */
export function registerCacheRollback(cache: Command, ctx: CommandContext): void {
  cache
    .command("gc")
    .description("remove builds by age and size budget; keeps what registered, non-archived environments need and the previous generation of every entry; deletes only with --yes")
    .option("--max-age-days <n>", "remove unreachable builds older than this")
    .option("--max-size <bytes>", "remove the oldest unreachable builds until the cache fits (e.g. 10G)")
    .option("--prune-generations", "also remove the previous generation of every entry (kept by default, for rollback)")
    .option("--registry", "also remove envforge's registry-cache tags of the removed entries (only a tag that still names that build)")
    .option("-y, --yes", "delete what the plan lists (without it: print the plan, delete nothing)")
    .option("--dry-run", "print the plan; never delete (even with --yes)")
    .action(async (flags: GcFlags, command: Command) => {
      const merged = { ...command.optsWithGlobals(), ...flags } as GcFlags;
      const { workspace } = workspaceFor(ctx, merged);
      const deleting = merged.yes === true && merged.dryRun !== true;
      const report = await workspace.gc({
        maxAgeDays: merged.maxAgeDays === undefined ? undefined : numberFlag("--max-age-days", merged.maxAgeDays, { min: 0, max: 36_500, unit: "days", example: "30" }),
        maxBytes: merged.maxSize === undefined ? undefined : bytesOf(merged.maxSize),
        pruneGenerations: merged.pruneGenerations,
        registryTags: merged.registry,
        dryRun: !deleting,
      });
      if (merged.json) return printJson(ctx, report);
      const verb = deleting ? "removed" : "would remove";
      for (const item of report.removed) ctx.io.out(`${verb} ${itemLine(item)}\n`);
      for (const item of report.keptGenerations) ctx.io.out(`kept (previous generation, for rollback) ${item.target} ${item.hash} gen ${item.generation}\n`);
      for (const image of report.discarded) ctx.io.out(`${verb} ${image} from its engine\n`);
      for (const failed of report.discardFailed) ctx.io.out(`could not remove ${failed.artifact}: ${failed.message}\n`);
      for (const image of report.external) ctx.io.out(`left for its own tool (no loaded plugin removes it): ${image}\n`);
      for (const item of report.inUse) ctx.io.out(`kept (in use by a running build or command) ${item.hash ?? item.paths[0]}\n`);
      if (report.sourceMemos > 0) ctx.io.out(`${verb} ${report.sourceMemos} quick-path records of builds no longer cached\n`);
      if (deleting) ctx.io.out(`freed ${mb(report.freedBytes)}: ${mb(report.bytesBefore)} → ${mb(report.bytesAfter)}\n`);
      else ctx.io.out(`would free ${mb(report.freedBytes)} of ${mb(report.bytesBefore)}${merged.dryRun ? "" : "; nothing deleted: run it again with --yes to delete"}\n`);
      if (report.overBudgetBytes) ctx.io.out(`still ${mb(report.overBudgetBytes)} over budget: the rest is needed by registered environments or kept for rollback\n`);
    });
  cache
    .command("generations")
    .description("every generation of a definition's build (a rebuild keeps the older one); --promote N makes N current again")
    .argument("<ref>", "a definition file or folder, NAME[@VERSION|:LABEL], curated:NAME, or a hash (efh1:…)")
    .option("-t, --target <target>", "target", "venv")
    .option("--promote <n>", "make generation N current again (the current one is kept as a generation)")
    .action(async (ref: string, flags: GlobalFlags & { target: string; promote?: string }, command: Command) => {
      const merged = { ...command.optsWithGlobals(), ...flags } as GlobalFlags & { target: string; promote?: string };
      const { engine, workspace } = workspaceFor(ctx, merged);
      const hash = await hashOf(workspace, ref);
      if (merged.promote !== undefined) {
        const generation = numberFlag("--promote", merged.promote, { min: 1, max: 1_000_000_000, example: "2", integer: true });
        const entry = await engine.promote(hash, merged.target, generation);
        if (merged.json) return printJson(ctx, { ok: true, promoted: entry.generation, entry });
        ctx.io.out(`generation ${entry.generation} of ${merged.target} ${hash} is current again\n`);
        return;
      }
      const generations = await engine.generations(hash, merged.target);
      const rows = [];
      for (const g of generations) {
        const artifact = g.entry?.artifact;
        const sizeBytes = !g.present ? undefined : artifact?.path !== undefined ? await new Sizer().size(artifact.path) : artifact?.sizeBytes;
        rows.push({ generation: g.generation, current: g.current, present: g.present, problem: g.problem, builtAt: g.entry?.timings.finishedAt, sizeBytes, artifact: artifact?.path ?? artifact?.reference });
      }
      if (merged.json) return printJson(ctx, rows);
      if (rows.length === 0) {
        ctx.io.out(`no generations of ${merged.target} ${hash} in the cache\n`);
        return;
      }
      ctx.io.out(`${"GEN".padEnd(5)} ${"BUILT".padEnd(24)} ${"CURRENT".padEnd(7)} ${"SIZE".padStart(8)}  ${"STATE".padEnd(7)} ARTIFACT\n`);
      for (const r of rows) {
        const size = r.sizeBytes === undefined ? "-" : humanBytes(r.sizeBytes);
        const state = r.present ? "present" : `gone (${r.problem ?? "unknown"})`;
        ctx.io.out(`${String(r.generation).padEnd(5)} ${(r.builtAt ?? "-").padEnd(24)} ${(r.current ? "yes" : "").padEnd(7)} ${size.padStart(8)}  ${state.padEnd(7)} ${r.artifact ?? ""}\n`);
      }
    });
  cache
    .command("rm")
    .description("remove a definition's cached build for one target (its current entry and artifact); deletes only with --yes")
    .argument("<ref>", "a definition file or folder, NAME[@VERSION|:LABEL], curated:NAME, or a hash (efh1:…)")
    .option("-t, --target <target>", "target", "venv")
    .option("--all-generations", "also remove every older generation kept")
    .option("--registry", "also remove envforge's registry-cache tags of the removed entries (only a tag that still names that build)")
    .option("-y, --yes", "delete (without it: print what would go, delete nothing)")
    .option("--dry-run", "print what would go; never delete (even with --yes)")
    .action(async (ref: string, flags: RmFlags, command: Command) => {
      const merged = { ...command.optsWithGlobals(), ...flags } as RmFlags;
      const { workspace } = workspaceFor(ctx, merged);
      const key: CacheKey = { hash: await hashOf(workspace, ref), target: merged.target };
      const deleting = merged.yes === true && merged.dryRun !== true;
      const report = await workspace.removeEntry(key, { allGenerations: merged.allGenerations, registryTags: merged.registry, dryRun: !deleting });
      if (merged.json) return printJson(ctx, report);
      const verb = deleting ? "removed" : "would remove";
      for (const item of report.removed) ctx.io.out(`${verb} ${itemLine(item)}\n`);
      for (const image of report.discarded) ctx.io.out(`${verb} ${image} from its engine\n`);
      for (const failed of report.discardFailed) ctx.io.out(`could not remove ${failed.artifact}: ${failed.message}\n`);
      for (const item of report.inUse) ctx.io.out(`kept (in use by a running build or command) ${item.target} ${item.hash} gen ${item.generation}\n`);
      if (!deleting && !merged.dryRun) ctx.io.out("nothing deleted: run it again with --yes to delete\n");
    });
}
