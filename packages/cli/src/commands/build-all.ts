import { Option, type Command } from "commander";
import type { BatchItem, SpecSource } from "@envforge/core/plugin-kit";
import type { Workspace } from "@envforge/workspace";
import { batchExitCode, batchJson, batchSummary } from "../build-all-summary.js";
import { BATCH_TARGETS, lanesOf, type BatchTarget } from "../build-lanes.js";
import { parseBuilderOptions } from "../builder-options.js";
import { printJson, workspaceFor, type CommandContext, type GlobalFlags } from "../context.js";
import { numberFlag } from "../number-flag.js";
import { collectList } from "../policy-flags.js";
import { timeoutMsOf } from "../timeout-flag.js";

interface BuildAllFlags extends GlobalFlags {
  target: BatchTarget;
  hosts: string[];
  concurrency: string;
  rebuild?: boolean;
  timeout?: string;
  option: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * Every REF's source at once: a registered definition's files are written out for as long as
 * `use` runs (withSource), so all of them stay readable while the batch builds. A REF that names
 * nothing is refused before any build (a usage error), as `build` refuses it.
 */
async function withSources<T>(workspace: Workspace, refs: readonly string[], use: (items: BatchItem[]) => Promise<T>, items: BatchItem[] = []): Promise<T> {
  const ref = refs[items.length];
  if (ref === undefined) return use(items);
  return workspace.withSource(ref, (source: SpecSource) => withSources(workspace, refs, use, [...items, { source, ref }]));
}

export function registerBuildAll(program: Command, ctx: CommandContext): void {
  program
    .command("build-all")
    .description("build many definitions as images: each distinct hash once, the misses spread over engines, one summary at the end")
    .argument("<refs...>", "definition files or folders, registered NAME[@VERSION|:LABEL], or curated:NAME")
    .addOption(new Option("-t, --target <target>", "the image target").choices(BATCH_TARGETS).makeOptionMandatory())
    .addOption(
      new Option("--hosts <urls>", "engines to spread builds over (comma-separated or repeated): docker hosts (unix:///…, tcp://…, ssh://…) or podman service URLs; default: the local engine")
        .argParser(collectList)
        .default([]),
    )
    .option("--concurrency <n>", "builds at once per engine (1 to 64)", "2")
    .option("--rebuild", "build a new generation of each even on a cache hit")
    .option("--timeout <seconds>", "kill each build (and every process it started) after this long")
    .addOption(new Option("-o, --option <plugin.key=value>", "builder option for every build, repeatable (not hashed)").argParser(collect).default([]))
    .action(async (refs: string[], flags: BuildAllFlags) => {
      const concurrency = numberFlag("--concurrency", flags.concurrency, { min: 1, max: 64, integer: true, example: "4" });
      const timeoutMs = timeoutMsOf(flags.timeout);
      const builderOptions = parseBuilderOptions(flags.option);
      const lanes = lanesOf(flags.target, flags.hosts, builderOptions);
      // A batch registers nothing: `build` of a named file does that.
      const { engine, workspace } = workspaceFor(ctx, { ...flags, register: false });
      const signal = ctx.interrupt.signal();
      const out = await withSources(workspace, refs, (items) =>
        engine.buildAll(items, { target: flags.target, lanes, concurrency, builderOptions, rebuild: flags.rebuild, timeoutMs, signal }),
      );
      if (flags.json) printJson(ctx, batchJson(out));
      else ctx.io.out(`${batchSummary(out)}\n`);
      ctx.exitCode = batchExitCode(out);
    });
}
