import type { Command } from "commander";
import { createError, verifyEntry, type VerifyResult } from "@envforge/core/plugin-kit";
import { Sizer } from "@envforge/workspace";
import { engineFor, printJson, workspaceFor, type CommandContext, type GlobalFlags } from "../context.js";
import { EXIT } from "../exit-status.js";
import { humanAge, humanBytes } from "../human.js";
import { registerCacheRollback } from "./cache-rollback.js";

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
  registerCacheRollback(cache, ctx);
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
