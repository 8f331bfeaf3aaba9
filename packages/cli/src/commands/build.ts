import type { Command } from "commander";
import path from "node:path";
import type { Workspace, WorkspaceBuildResult } from "@envforge/workspace";
import { createError } from "@envforge/core/plugin-kit";
import { artifactPathOf, buildSummary } from "../build-summary.js";
import { dryRun, dryRunSummary } from "../dry-run.js";
import { addFlags } from "../flag-options.js";
import { BUILD_FLAGS } from "../flag-table.js";
import { builderOptionsOf, withBuildRequestFlags, type BuildRequestFlags } from "../build-request.js";
import { CLI_PIPELINE_ID } from "../pipeline.js";
import { registryStamp, writeReceipt } from "../registration-receipt.js";
import { numberFlag } from "../number-flag.js";
import { timeoutMsOf } from "../timeout-flag.js";
import { requireLock } from "../lock-required.js";
import { printJson, workspaceFor, type CommandContext } from "../context.js";

interface BuildFlags extends BuildRequestFlags {
  dryRun?: boolean;
  printArtifactPath?: boolean;
  pythonOnly?: boolean;
  generation?: string;
  locked?: boolean;
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
  addFlags(
    withBuildRequestFlags(
      program
        .command("build")
        .description("build a definition for a target, or reuse the cached build of the same hash")
        .argument("<ref>", "definition file or folder, registered NAME[@VERSION|:LABEL], or curated:NAME"),
      {
        rebuild: "build a new generation even on a cache hit; shows what moved (the old one stays until collected)",
        timeout: "kill the build (and every process it started) after this long (above 0, at most 604800 = 7 days)",
      },
    ),
    BUILD_FLAGS,
  ).action(async (ref: string, flags: BuildFlags) => {
      const timeoutMs = timeoutMsOf(flags.timeout);
      if (flags.printArtifactPath && (flags.json || flags.dryRun)) {
        throw createError("E_INVALID_VALUE", `--print-artifact-path prints only a path: it does not go with ${flags.json ? "--json" : "--dry-run"}`, { field: "--print-artifact-path", hint: "--json has the artifact too (entry.artifact.path)" });
      }
      const generation = flags.generation === undefined ? undefined : numberFlag("--generation", flags.generation, { min: 1, max: 1_000_000_000, example: "2", integer: true });
      if (generation !== undefined && (flags.rebuild || flags.dryRun)) {
        throw createError("E_INVALID_VALUE", `--generation serves a kept generation: it does not go with ${flags.rebuild ? "--rebuild" : "--dry-run"}`, { field: "--generation", hint: "envforge cache generations REF lists the generations kept" });
      }
      // A dry run registers nothing either: the read-only engine and no registration.
      const { workspace } = workspaceFor(ctx, flags.dryRun ? { ...flags, register: false } : flags, { readOnly: flags.dryRun === true });
      const builderOptions = builderOptionsOf(ctx, flags);
      if (flags.dryRun) {
        const report = await dryRun(workspace, ref, { target: flags.target, rebuild: flags.rebuild, pythonOnly: flags.pythonOnly, builderOptions });
        if (flags.json) printJson(ctx, { ok: true, ...report });
        else ctx.io.out(`${dryRunSummary(report)}\n`);
        return;
      }
      if (flags.locked) await requireLock(workspace, ref);
      // Ctrl-C / SIGTERM abort the build; main exits 130 / 143 once the engine has cleaned up.
      const signal = ctx.interrupt.signal();
      const out = await workspace.build(
        ref,
        {
          target: flags.target,
          rebuild: flags.rebuild,
          generation,
          pythonOnly: flags.pythonOnly,
          builderOptions,
          signal,
          timeoutMs,
        },
        { register: flags.register },
      );
      if (out.record && out.resolved.kind === "file" && !flags.rebuild && ctx.extraPlugins.length === 0) await recordRegistration(workspace, out.resolved.path, out);
      // `variables`: the definition's runtime settings (never hashed), applied by run, shell and activate.
      if (flags.json) printJson(ctx, { ok: true, ...out.result, variables: out.spec?.variables ?? {}, environment: out.record ? { name: out.record.name, version: out.record.version } : undefined, drift: out.drift });
      else if (flags.printArtifactPath) ctx.io.out(`${artifactPathOf(out.result.entry.artifact)}\n`);
      else ctx.io.out(`${buildSummary(out)}\n`);
    });
}
