import type { Command } from "commander";
import { EnvforgeError } from "@envforge/core";
import { EXIT } from "../exit-codes.js";
import { numberFlag } from "../number-flag.js";
import { printJson, workspaceFor, type CommandContext, type GlobalFlags } from "../context.js";

/** `pin` and `check`: turning a build's lock into a definition that can only mean one build. */
export function registerReproducibility(program: Command, ctx: CommandContext): void {
  program
    .command("pin")
    .description("rewrite a definition (and its requirements/conda files) with the versions its last build locked")
    .argument("<ref>", "definition file or folder (NAME[@VERSION|:LABEL] and curated:NAME are immutable: save them first)")
    .option("-t, --target <target>", "take the lock of this target's build (default: the newest build)")
    .action(async (ref: string, flags: GlobalFlags & { target?: string }) => {
      const { workspace } = workspaceFor(ctx, flags);
      const resolved = await workspace.resolve(ref);
      if (resolved.kind !== "file") {
        const what = resolved.kind === "curated" ? `curated:${resolved.name} is shipped with envforge` : `${resolved.record.name}@${resolved.record.version} is a registered version`;
        throw new EnvforgeError({ code: "E_INVALID_VALUE", message: `pin rewrites a definition file, and ${what}: it cannot be rewritten`, hint: `write it to a folder first (envforge save ${ref} DIR), then pin DIR` });
      }
      const pinned = await workspace.pinFile(resolved.path, { target: flags.target });
      if (flags.json) return printJson(ctx, { before: pinned.before, after: pinned.after, changes: pinned.changes, missing: pinned.missing, written: pinned.written });
      for (const c of pinned.changes) ctx.io.out(`pinned ${JSON.stringify(c)}\n`);
      for (const m of pinned.missing) ctx.io.err(`warning: ${m.written} (${m.where}) is not in the lock; left as written\n`);
      ctx.io.out(`${pinned.before} → ${pinned.after}\n`);
    });

  program
    .command("check")
    .description("reproducibility score: unpinned packages, base image without digest, no lock (exit 4 below --min-score)")
    .argument("<ref>", "definition file or folder, registered NAME[@VERSION|:LABEL], or curated:NAME")
    .option("--min-score <n>", "fail (exit 4) below this score (0 to 100), for CI")
    .option("-t, --target <target>", "look for this target's build (its lock)")
    .action(async (ref: string, flags: GlobalFlags & { minScore?: string; target?: string }) => {
      const { workspace } = workspaceFor(ctx, flags);
      const report = await workspace.check(ref, {
        threshold: flags.minScore === undefined ? undefined : numberFlag("--min-score", flags.minScore, { min: 0, max: 100, example: "80" }),
        target: flags.target,
      });
      if (flags.json) printJson(ctx, report);
      else {
        ctx.io.out(`score ${report.score}/100 (${report.packages.pinned}/${report.packages.total} packages pinned)\n`);
        for (const f of report.findings) {
          const where = f.location ? `${f.location.file}:${f.location.line}:${f.location.column}: ` : "";
          ctx.io.out(`  -${f.penalty} ${where}${f.message}\n    hint: ${f.hint}\n`);
        }
        if (report.threshold !== undefined) ctx.io.out(report.passed ? `passed (≥ ${report.threshold})\n` : `FAILED: below ${report.threshold}\n`);
      }
      if (!report.passed) ctx.exitCode = EXIT.check;
    });
}
