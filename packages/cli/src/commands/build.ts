import type { Command } from "commander";
import type { BuilderOptions } from "@envforge/core";
import type { WorkspaceBuildResult } from "@envforge/workspace";
import { parseBuilderOptions } from "../builder-options.js";
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

function summary(out: WorkspaceBuildResult): string {
  const { result } = out;
  const artifact = result.entry.artifact;
  const where = artifact.path ?? artifact.reference ?? artifact.kind;
  const how = result.cached ? `cache hit (${result.store})` : `built (generation ${result.entry.generation})`;
  const lines = [`hash: ${result.hash}`, `target: ${result.target}`, `status: ${how}`, `artifact: ${where}`];
  if (out.record) lines.push(`environment: ${out.record.name}@${out.record.version}`);
  if (out.drift) {
    const d = out.drift;
    if (d.noPreviousLock) lines.push("drift: the previous generation recorded no lock");
    else if (d.equal) lines.push(`drift: none (${d.unchanged} packages resolved as before)`);
    else {
      lines.push(`drift against generation ${out.previousGeneration} (still cached until collected):`);
      for (const m of d.moved) lines.push(`  ~ ${m.name} ${m.from} → ${m.to}`);
      for (const a of d.added) lines.push(`  + ${a.name} ${a.version}`);
      for (const r of d.removed) lines.push(`  - ${r.name} ${r.version}`);
    }
  }
  return lines.join("\n");
}

export function registerBuild(program: Command, ctx: CommandContext): void {
  program
    .command("build")
    .description("build a definition for a target, or reuse the cached build of the same hash")
    .argument("<ref>", "definition file or folder, registered NAME[@VERSION|:LABEL], or curated:NAME")
    .option("-t, --target <target>", "venv, conda, spark, docker, podman", "venv")
    .option("--rebuild", "build a new generation even on a cache hit; shows what moved (the old one stays until collected)")
    .option("--no-register", "do not register a named definition in the workspace")
    .option("--timeout <seconds>", "kill the build (and every process it started) after this long")
    .option("-o, --option <plugin.key=value>", "builder option, repeatable (not hashed)", collect, [])
    .option("--find-links <dir-or-url>", "pip: where to find wheels (repeatable; not hashed)", collect, [])
    .option("--index-url <url>", "pip: package index (not hashed)")
    .option("--no-index", "pip: do not use any package index")
    .action(async (ref: string, flags: BuildFlags) => {
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
            timeoutMs: flags.timeout ? Number(flags.timeout) * 1000 : undefined,
          },
          { register: flags.register },
        );
        if (flags.json) printJson(ctx, { ok: true, ...out.result, environment: out.record ? { name: out.record.name, version: out.record.version } : undefined, drift: out.drift });
        else ctx.io.out(`${summary(out)}\n`);
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}
