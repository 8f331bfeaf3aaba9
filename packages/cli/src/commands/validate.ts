import type { Command } from "commander";
import { createError, formatError, isEnvforgeError, type EnvforgeError } from "@envforge/core/plugin-kit";
import { cliHint } from "../cli-hints.js";
import { printJson, workspaceFor, type CommandContext, type GlobalFlags } from "../context.js";
import { EXIT, exitCodeOf } from "../exit-codes.js";

/** Problems printed (and listed in --json); a file with more says how many more there are. */
export const MAX_PROBLEMS = 50;

export function registerValidate(program: Command, ctx: CommandContext): void {
  program
    .command("validate")
    .description(`check a definition (schema, packages, referenced files); exit 1 listing every problem in file order (at most ${MAX_PROBLEMS})`)
    .argument("<ref>", "definition file or folder, registered NAME[@VERSION|:LABEL], or curated:NAME")
    .action(async (ref: string, flags: GlobalFlags) => {
      const { engine, workspace } = workspaceFor(ctx, flags);
      // A reference that names nothing is a problem like the others (same output shape).
      const validation = await workspace.withSource(ref, (source) => engine.validate(source)).catch((cause: unknown) => {
        if (isEnvforgeError(cause)) return { ok: false as const, problems: [cause] };
        throw cause;
      });
      if (!validation.ok) {
        ctx.exitCode = reportProblems(ctx, validation.problems, flags.json === true);
        return;
      }
      const { parsed, result } = validation;
      const sections = Object.keys(parsed.sections).sort();
      if (flags.json) printJson(ctx, { ok: true, hash: result.hash, sections, files: parsed.loaded.files.map((f) => f.absolutePath) });
      else ctx.io.out(`ok ${parsed.loaded.file} (${sections.join(", ") || "no sections"})\n`);
    });
}

/**
 * Each problem as any error is printed (`file:line:column: error CODE: message [field]` and its
 * hint naming the CLI's flags), the first MAX_PROBLEMS of them. `--json`: `{ ok: false, error,
 * problems, total }`, where `error` is the first problem (the shape a single error has).
 */
function reportProblems(ctx: CommandContext, problems: EnvforgeError[], json: boolean): number {
  const shown = problems.slice(0, MAX_PROBLEMS).map((p) => withCliHint(p));
  const more = problems.length - shown.length;
  if (json) {
    const list = shown.map((p) => p.toJSON());
    printJson(ctx, { ok: false, error: list[0], problems: list, total: problems.length });
  } else {
    for (const problem of shown) ctx.io.err(`${formatError(problem)}\n`);
    if (more > 0) ctx.io.err(`... and ${more} more problem${more === 1 ? "" : "s"} (${problems.length} in all)\n`);
    else if (problems.length > 1) ctx.io.err(`${problems.length} problems\n`);
  }
  // A plugin's fault (exit 3) outweighs a problem of the definition (exit 1).
  return problems.map(exitCodeOf).find((code) => code !== EXIT.input) ?? EXIT.input;
}

function withCliHint(error: EnvforgeError): EnvforgeError {
  return createError(error.code, error.message, { hint: cliHint(error.hint), location: error.location, field: error.field, details: error.details });
}
