import type { Command } from "commander";
import { createError } from "@envforge/core/plugin-kit";
import { EXIT } from "../exit-codes.js";
import { numberFlag } from "../number-flag.js";
import { printJson, workspaceFor, type CommandContext, type GlobalFlags } from "../context.js";

/** `pin` and `check`: turning a build's lock into a definition that can only mean one build. */
export function registerReproducibility(program: Command, ctx: CommandContext): void {
  program
    .command("pin")
    .description("rewrite a definition (and its requirements/conda files) with the versions its lock or its last build resolved")
    .argument("<ref>", "definition file or folder (rewritten in place), or NAME[@VERSION|:LABEL] / curated:NAME (the pinned form is registered as the next version)")
    .option("-t, --target <target>", "take the resolved set of this target's last build (default: the definition's lock file, else its default target's build)")
    .option("-l, --label <label...>", "for a registered or curated reference: labels for the pinned version")
    .action(async (ref: string, flags: GlobalFlags & { target?: string; label?: string[] }) => {
      const { workspace } = workspaceFor(ctx, flags);
      const resolved = await workspace.resolve(ref);
      if (resolved.kind !== "file") {
        // Registered versions are immutable: the pinned definition becomes the name's next version.
        const pinned = await workspace.pinRegistered(ref, { target: flags.target, labels: flags.label });
        const registered = `${pinned.record.record.name}@${pinned.record.record.version}`;
        if (flags.json) return printJson(ctx, { before: pinned.before, after: pinned.after, changes: pinned.changes, missing: pinned.missing, written: [], registered });
        for (const c of pinned.changes) ctx.io.out(`pinned ${JSON.stringify(c)}\n`);
        for (const m of pinned.missing) ctx.io.err(`warning: ${m.written} (${m.where}) is not in the lock; left as written\n`);
        ctx.io.out(`${pinned.before} → ${pinned.after} (registered as ${registered})\n`);
        return;
      }
      if (flags.label) throw createError("E_INVALID_VALUE", "--label applies to a registered or curated reference; a file is pinned in place", { field: "--label", hint: "register the pinned file afterwards: envforge register FILE --label L" });
      const pinned = await workspace.pinFile(resolved.path, { target: flags.target });
      if (flags.json) return printJson(ctx, { before: pinned.before, after: pinned.after, changes: pinned.changes, missing: pinned.missing, written: pinned.written });
      for (const c of pinned.changes) ctx.io.out(`pinned ${JSON.stringify(c)}\n`);
      for (const m of pinned.missing) ctx.io.err(`warning: ${m.written} (${m.where}) is not in the lock; left as written\n`);
      ctx.io.out(`${pinned.before} → ${pinned.after}\n`);
    });

  program
    .command("check")
    .description("reproducibility score for one target: unpinned and nested packages, base image without digest, no lock (exit 4 below --min-score)")
    .argument("<ref>", "definition file or folder, registered NAME[@VERSION|:LABEL], or curated:NAME")
    .option("--min-score <n>", "fail (exit 4) below this score (0 to 100), for CI")
    .option("-t, --target <target>", "score this target's last build (default: the definition's default target, venv when it fits)")
    .action(async (ref: string, flags: GlobalFlags & { minScore?: string; target?: string }) => {
      const { workspace } = workspaceFor(ctx, flags);
      const report = await workspace.check(ref, {
        threshold: flags.minScore === undefined ? undefined : numberFlag("--min-score", flags.minScore, { min: 0, max: 100, example: "80" }),
        target: flags.target,
      });
      if (flags.json) printJson(ctx, report);
      else {
        const nested = report.packages.nested > 0 ? `, ${report.packages.nested} nested` : "";
        const from = report.lockFile ? "the lock file" : report.lockFrom ? `the ${report.lockFrom.target} build (generation ${report.lockFrom.generation})` : "no lock or build";
        ctx.io.out(`score ${report.score}/100 (${report.packages.pinned}/${report.packages.total} packages pinned${nested}; target ${report.target ?? "?"}, from ${from})\n`);
        for (const f of report.findings) {
          const where = f.location ? `${f.location.file}:${f.location.line}:${f.location.column}: ` : "";
          ctx.io.out(`  -${f.penalty} ${where}${f.message}\n    hint: ${f.hint}\n`);
        }
        if (report.threshold !== undefined) ctx.io.out(report.passed ? `passed (≥ ${report.threshold})\n` : `FAILED: below ${report.threshold}\n`);
      }
      if (!report.passed) ctx.exitCode = EXIT.check;
    });
}
