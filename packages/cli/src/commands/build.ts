import type { Command } from "commander";
import path from "node:path";
import type { BuilderOptions } from "@envforge/core";
import type { Workspace, WorkspaceBuildResult } from "@envforge/workspace";
import { buildSummary } from "../build-summary.js";
import { parseBuilderOptions } from "../builder-options.js";
import { CLI_PIPELINE_ID } from "../pipeline.js";
import { registryStamp, writeReceipt } from "../registration-receipt.js";
import { timeoutMsOf } from "../timeout-flag.js";
import { printJson, refArg, resolvePath, workspaceFor, type CommandContext, type GlobalFlags } from "../context.js";

interface BuildFlags extends GlobalFlags {
  target: string;
  rebuild?: boolean;
  register?: boolean;
  timeout?: string;
  option: string[];
  findLinks: string[];
  indexUrl?: string;
  index?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * After a build registered a named definition file: a receipt for the quick path, when the
 * registry is seen holding it as the latest version with no write in between (see
 * registration-receipt.ts).
 */
async function recordRegistration(workspace: Workspace, file: string, out: WorkspaceBuildResult): Promise<void> {
  const record = out.record!;
  if (!path.isAbsolute(file)) return; // a registered NAME: not a file the quick path answers
  const before = registryStamp(workspace.cacheDir);
  const latest = await workspace.registry.get(record.name).catch(() => undefined);
  if (latest?.version !== record.version || latest.hash !== out.result.hash || registryStamp(workspace.cacheDir) !== before) return;
  writeReceipt(workspace.cacheDir, CLI_PIPELINE_ID, file, { hash: out.result.hash, name: record.name, version: record.version, stamp: before });
}

export function registerBuild(program: Command, ctx: CommandContext): void {
  program
    .command("build")
    .description("build a definition for a target, or reuse the cached build of the same hash")
    .argument("<ref>", "definition file or folder, registered NAME[@VERSION|:LABEL], or curated:NAME")
    .option("-t, --target <target>", "venv, conda, spark, docker, podman", "venv")
    .option("--rebuild", "build a new generation even on a cache hit; shows what moved (the old one stays until collected)")
    .option("--no-register", "do not register a named definition in the workspace")
    .option("--timeout <seconds>", "kill the build (and every process it started) after this long (above 0, at most 604800 = 7 days)")
    .option("-o, --option <plugin.key=value>", "builder option, repeatable (not hashed)", collect, [])
    .option("--find-links <dir-or-url>", "pip: where to find wheels (repeatable; not hashed)", collect, [])
    .option("--index-url <url>", "pip: package index (not hashed)")
    .option("--no-index", "pip: do not use any package index")
    .action(async (ref: string, flags: BuildFlags) => {
      const timeoutMs = timeoutMsOf(flags.timeout);
      const { workspace } = workspaceFor(ctx, flags);
      const builderOptions: BuilderOptions = parseBuilderOptions(flags.option);
      const pip = (builderOptions.pip ??= {});
      if (flags.findLinks.length > 0) pip.findLinks = flags.findLinks.map((f) => (/^[a-z]+:\/\//i.test(f) ? f : resolvePath(ctx.io, f)));
      if (flags.indexUrl) pip.indexUrl = flags.indexUrl;
      if (flags.index === false) pip.noIndex = true;
      const abort = new AbortController();
      const onSignal = () => abort.abort(new Error("interrupted"));
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        const out = await workspace.build(
          refArg(ctx, ref),
          {
            target: flags.target,
            rebuild: flags.rebuild,
            builderOptions,
            signal: abort.signal,
            timeoutMs,
          },
          { register: flags.register },
        );
        if (out.record && !flags.rebuild && ctx.extraPlugins.length === 0) await recordRegistration(workspace, refArg(ctx, ref), out);
        if (flags.json) printJson(ctx, { ok: true, ...out.result, environment: out.record ? { name: out.record.name, version: out.record.version } : undefined, drift: out.drift });
        else ctx.io.out(`${buildSummary(out)}\n`);
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}
