import type { Command } from "commander";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { createError, hashHex, isHash, type Hash } from "@envforge/core/plugin-kit";
import { printJson, workspaceFor, type CommandContext, type GlobalFlags } from "../context.js";
import { numberFlag } from "../number-flag.js";

interface LogFlags extends GlobalFlags {
  target: string;
  generation?: string;
}

/**
 * `envforge log REF`: the build log of an entry — the newest generation's by default, a failed
 * build's included (its log stays; no entry is written), or `--generation N`'s.
 */
export function registerLog(program: Command, ctx: CommandContext): void {
  program
    .command("log")
    .description("print the build log of a definition's build (the newest generation's, a failed build's too)")
    .argument("<ref-or-hash>", "definition file or folder, NAME[@VERSION|:LABEL], curated:NAME, or an efh1: hash")
    .option("-t, --target <target>", "venv, conda, spark, docker, podman", "venv")
    .option("--generation <n>", "the log of this generation (default: the newest one there is)")
    .action(async (what: string, flags: LogFlags) => {
      const generation = flags.generation === undefined ? undefined : numberFlag("--generation", flags.generation, { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true, example: "2" });
      const { engine, workspace } = workspaceFor(ctx, flags, { readOnly: true });
      const hash = isHash(what) ? (what as Hash) : (await workspace.definition(what)).hash;
      const local = engine.cache.local;
      const key = { hash, target: flags.target };
      const chosen = generation ?? (await newestLogged(path.dirname(local.logPath(key, 1)), hash));
      const file = chosen === undefined ? undefined : local.logPath(key, chosen);
      const text = file === undefined ? undefined : await readFile(file, "utf8").catch(() => undefined);
      if (file === undefined || text === undefined) {
        throw createError("E_NOT_FOUND", `no build log of ${what} for the target ${flags.target}${generation === undefined ? "" : ` generation ${generation}`} in ${local.root}`, {
          hint: `a log is written by every build that ran (envforge build ${what} --target ${flags.target}); envforge details ${what} shows the generations built`,
          details: file === undefined ? undefined : { logPath: file },
        });
      }
      if (flags.json) printJson(ctx, { ok: true, hash, target: flags.target, generation: chosen, logPath: file, log: text });
      else ctx.io.out(text);
    });
}

/** The highest generation with a log file in `dir` for `hash` (`<hex>.<generation>.log`). */
async function newestLogged(dir: string, hash: Hash): Promise<number | undefined> {
  const prefix = `${hashHex(hash)}.`;
  const names = await readdir(dir).catch(() => [] as string[]);
  const generations = names.filter((n) => n.startsWith(prefix) && n.endsWith(".log")).map((n) => Number(n.slice(prefix.length, -".log".length)));
  const valid = generations.filter((g) => Number.isInteger(g) && g > 0);
  return valid.length === 0 ? undefined : Math.max(...valid);
}
