import path from "node:path";
import type { Command } from "commander";
import { createError } from "@envforge/core/plugin-kit";
import { importCondaFile, lockConda, type CondaCanonical } from "@envforge/plugin-conda";
import { emitDefinition } from "../output.js";
import { workspaceFor, type CommandContext, type GlobalFlags } from "../context.js";

interface LockFlags extends GlobalFlags {
  output?: string;
  channel: string[];
  platform: string[];
}

/**
 * Pins every conda dependency of a definition against its channels (rattler's solver), and
 * writes the pinned definition: a new hash whose conda part no longer depends on when it is built.
 */
export function registerLock(program: Command, ctx: CommandContext): void {
  program
    .command("lock")
    .description("pin every conda dependency against the configured channels; prints the pinned definition")
    .argument("<ref>", "definition with a conda part: a file or folder, NAME[@VERSION|:LABEL], or curated:NAME")
    .option("--output <file>", "write the pinned definition here (default: stdout)")
    .option("-c, --channel <url>", "channel to resolve against instead of the definition's (repeatable)", (v: string, p: string[]) => [...p, v], [])
    .option("--platform <subdir>", "conda platform to solve for (repeatable; default: this machine's and noarch)", (v: string, p: string[]) => [...p, v], [])
    .action(async (file: string, flags: LockFlags) => {
      const { engine, workspace } = workspaceFor(ctx, flags);
      // Inside withSource: a registered definition's files (a condaFile) stay readable meanwhile.
      await workspace.withSource(file, async (source) => {
        const { parsed, result } = await engine.resolve(source);
        const conda = result.canonical.sections.conda as CondaCanonical | undefined;
        if (!conda) {
          throw createError("E_MISSING_FIELD", `${file} has no conda dependencies to lock`, { field: "python.conda", hint: "add python.conda or python.condaFile" });
        }
        const locked = await lockConda(conda, flags.channel.length > 0 ? flags.channel : undefined, {
          platforms: flags.platform.length > 0 ? flags.platform : undefined,
        });
        const data = structuredClone(parsed.loaded.data) as { python: Record<string, unknown> };
        // Keep the pip: sub-list of the original conda part: it is pip's to pin, not conda's.
        const original = data.python.conda
          ? (data.python.conda as { dependencies?: unknown[] })
          : (await importCondaFile(path.resolve(parsed.loaded.dir, String(data.python.condaFile)))).python.conda;
        const pipPart = (original.dependencies ?? []).filter((d) => typeof d === "object");
        const variables = (original as { variables?: Record<string, string> }).variables;
        delete data.python.condaFile;
        data.python.conda = { channels: locked.canonical.channels, dependencies: [...locked.canonical.dependencies, ...pipPart], ...(variables ? { variables } : {}) };
        for (const [from, to] of Object.entries(locked.pins)) if (from !== to) ctx.io.err(`pinned ${from} → ${to}\n`);
        await emitDefinition(ctx, data, flags.output, `locked from ${file} (${result.hash}) against ${locked.platforms.join(", ")}`);
      });
    });
}
