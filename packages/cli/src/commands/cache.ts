import type { Command } from "commander";
import { createError, verifyEntry, type VerifyResult } from "@envforge/core/plugin-kit";
import { listGenerations, Sizer } from "@envforge/workspace";
import { engineFor, printJson, workspaceFor, type CommandContext, type GlobalFlags } from "../context.js";
import { EXIT } from "../exit-status.js";
import { humanAge, humanBytes } from "../human.js";
import { numberFlag } from "../number-flag.js";

interface GcFlags extends GlobalFlags {
  maxAgeDays?: string;
  maxSize?: string;
  dryRun?: boolean;
}

/** `10G`, `500M`, `1024` → bytes. */
function bytesOf(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$/i.exec(text.trim());
  if (!m) throw createError("E_INVALID_VALUE", `--max-size ${JSON.stringify(text)} is not valid: give a number of bytes from 0, with an optional unit K, M, G or T`, { field: "--max-size", hint: "e.g. --max-size 10G or --max-size 500M" });
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2]!.toUpperCase() as "" | "K" | "M" | "G" | "T"];
  return Math.round(Number(m[1]) * unit);
}

/** A hash as `efh1:<hex>` or 8 to 64 hex digits of it. */
const HASH_REF = /^(?:efh1:[0-9a-f]{64}|[0-9a-f]{8,64})$/;

const VERIFY_WORDS: Record<VerifyResult["status"], string> = {
  ok: "ok",
  modified: "MODIFIED",
  broken: "BROKEN",
  "no-digest": "no digest recorded",
  external: "not a cache folder",
};

export function registerCache(program: Command, ctx: CommandContext): void {
  const cache = program.command("cache").description("inspect the local cache");
  cache
    .command("ls")
    .description("list cached builds: hash, target, generation, name, size, age, artifact (--json: sizeBytes, createdAt)")
    .action(async (flags: GlobalFlags, command: Command) => {
      const merged = { ...command.optsWithGlobals(), ...flags } as GlobalFlags;
      const { engine } = engineFor(ctx, merged);
      const entries = await engine.cache.local.list((file, why) =>
        engine.emit({ type: "warning", code: "E_CACHE_CORRUPT", message: `cache entry ${file} ${why}; not listed`, hint: "the next build of its hash moves it aside and rebuilds" }),
      );
      // Size: the artifact folder's bytes (an image: the size its engine reported); age: since the build finished.
      const now = Date.now();
      const rows = [];
      for (const e of entries) {
        const sizeBytes = e.artifact.path !== undefined ? await new Sizer().size(e.artifact.path) : e.artifact.sizeBytes;
        rows.push({ ...e, sizeBytes, createdAt: e.timings.finishedAt, ageMs: now - Date.parse(e.timings.finishedAt) });
      }
      if (merged.json) {
        printJson(ctx, rows);
        return;
      }
      if (rows.length === 0) ctx.io.out(`no entries in ${engine.cache.local.root}\n`);
      else ctx.io.out(`${"HASH".padEnd(69)}  ${"TARGET".padEnd(7)} ${"GEN".padEnd(5)} ${"NAME".padEnd(20)} ${"SIZE".padStart(8)} ${"AGE".padStart(4)}  ARTIFACT\n`);
      for (const e of rows) {
        const where = e.artifact.path ?? e.artifact.reference ?? e.artifact.kind;
        const size = e.sizeBytes === undefined ? "-" : humanBytes(e.sizeBytes);
        const age = Number.isFinite(e.ageMs) ? humanAge(e.ageMs) : "-";
        ctx.io.out(`${e.hash}  ${e.target.padEnd(7)} ${String(e.generation).padEnd(5)} ${(e.name ?? "-").padEnd(20)} ${size.padStart(8)} ${age.padStart(4)}  ${where}\n`);
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
        maxAgeDays: merged.maxAgeDays === undefined ? undefined : numberFlag("--max-age-days", merged.maxAgeDays, { min: 0, max: 36_500, unit: "days", example: "30" }),
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
    .argument("<ref>", "a definition file or folder, NAME[@VERSION|:LABEL], or curated:NAME")
    .option("-t, --target <target>", "target", "venv")
    .action(async (ref: string, flags: GlobalFlags & { target: string }, command: Command) => {
      const merged = { ...command.optsWithGlobals(), ...flags } as GlobalFlags & { target: string };
      const { engine, workspace } = workspaceFor(ctx, merged);
      const { hash } = await workspace.definition(ref);
      const entries = await listGenerations(engine, hash, merged.target);
      if (merged.json) return printJson(ctx, entries);
      for (const e of entries) ctx.io.out(`gen ${e.generation}  ${e.timings.finishedAt}  ${e.artifact.path ?? e.artifact.reference ?? ""}\n`);
    });
  cache
    .command("verify")
    .description("check cached artifacts' files against the digest recorded when they were built (all entries without REF)")
    .argument("[ref]", "a definition file or folder, NAME[@VERSION|:LABEL], curated:NAME, or a hash (efh1:… or a prefix of its hex)")
    .option("-t, --target <target>", "only this target")
    .action(async (ref: string | undefined, flags: GlobalFlags & { target?: string }, command: Command) => {
      const merged = { ...command.optsWithGlobals(), ...flags } as GlobalFlags & { target?: string };
      const { engine, workspace } = workspaceFor(ctx, merged);
      const hash = ref === undefined ? undefined : HASH_REF.test(ref) ? ref.replace(/^efh1:/, "") : (await workspace.definition(ref)).hash.slice(5);
      const local = engine.cache.local;
      const entries = (await local.list()).filter((e) => (hash === undefined || e.hash.slice(5).startsWith(hash)) && (merged.target === undefined || e.target === merged.target));
      if (ref !== undefined && entries.length === 0) {
        throw createError("E_NOT_FOUND", `no cache entry for ${ref}${merged.target ? ` (target ${merged.target})` : ""}`, { hint: "envforge cache ls lists what is cached" });
      }
      const results: VerifyResult[] = [];
      for (const entry of entries) results.push(await verifyEntry(entry, local.root, local.manifestPath(entry, entry.generation)));
      if (results.some((r) => r.failed)) ctx.exitCode = EXIT.check;
      if (merged.json) return printJson(ctx, { passed: !results.some((r) => r.failed), results });
      for (const r of results) {
        ctx.io.out(`${VERIFY_WORDS[r.status].padEnd(18)} ${r.target.padEnd(7)} ${r.hash} gen ${r.generation}${r.path ? `  ${r.path}` : ""}
`);
        if (r.seal) ctx.io.out(`  seal: ${r.seal} (the next hit rebuilds it)
`);
        for (const d of r.differences ?? []) ctx.io.out(`  ${d}
`);
      }
      const count = (status: VerifyResult["status"]) => results.filter((r) => r.status === status && !r.failed).length;
      const failed = results.filter((r) => r.failed).length;
      const parts = [`${count("ok")} as built`, `${count("no-digest")} without a recorded digest`, `${count("external")} not cache folders`, `${failed} differ`];
      ctx.io.out(`${results.length} checked: ${parts.join(", ")}\n`);
    });
  cache
    .command("dir")
    .description("print the cache folder")
    .action((flags: GlobalFlags, command: Command) => {
      const { engine } = engineFor(ctx, { ...command.optsWithGlobals(), ...flags } as GlobalFlags);
      ctx.io.out(`${engine.cache.local.root}\n`);
    });
}
