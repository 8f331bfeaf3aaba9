import type { Command } from "commander";
import type { BuilderOptions, BuildResult } from "@envforge/core";
import { parseBuilderOptions } from "../builder-options.js";
import { engineFor, printJson, resolvePath, type CommandContext, type GlobalFlags } from "../context.js";

interface BuildFlags extends GlobalFlags {
  target: string;
  rebuild?: boolean;
  timeout?: string;
  option: string[];
  findLinks: string[];
  indexUrl?: string;
  noIndex?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function summary(result: BuildResult): string {
  const artifact = result.entry.artifact;
  const where = artifact.path ?? artifact.reference ?? artifact.kind;
  const how = result.cached ? `cache hit (${result.store})` : "built";
  return [`hash: ${result.hash}`, `target: ${result.target}`, `status: ${how}`, `artifact: ${where}`].join("\n");
}

export function registerBuild(program: Command, ctx: CommandContext): void {
  program
    .command("build")
    .description("build a definition for a target, or reuse the cached build of the same hash")
    .argument("<file>", "environment definition")
    .option("-t, --target <target>", "venv, conda, spark, docker, podman", "venv")
    .option("--rebuild", "build a new generation even on a cache hit (the old one stays until collected)")
    .option("--timeout <seconds>", "kill the build (and every process it started) after this long")
    .option("-o, --option <plugin.key=value>", "builder option, repeatable (not hashed)", collect, [])
    .option("--find-links <dir-or-url>", "pip: where to find wheels (repeatable; not hashed)", collect, [])
    .option("--index-url <url>", "pip: package index (not hashed)")
    .option("--no-index", "pip: do not use any package index")
    .action(async (file: string, flags: BuildFlags) => {
      const { engine } = engineFor(ctx, flags);
      const builderOptions: BuilderOptions = parseBuilderOptions(flags.option);
      const pip = (builderOptions.pip ??= {});
      if (flags.findLinks.length > 0) pip.findLinks = flags.findLinks.map((f) => (/^[a-z]+:\/\//i.test(f) ? f : resolvePath(ctx.io, f)));
      if (flags.indexUrl) pip.indexUrl = flags.indexUrl;
      // commander turns --no-index into index: false
      if ((flags as { index?: boolean }).index === false) pip.noIndex = true;
      const abort = new AbortController();
      const onSignal = () => abort.abort(new Error("interrupted"));
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        const result = await engine.build(resolvePath(ctx.io, file), {
          target: flags.target,
          rebuild: flags.rebuild,
          builderOptions,
          signal: abort.signal,
          timeoutMs: flags.timeout ? Number(flags.timeout) * 1000 : undefined,
        });
        if (flags.json) printJson(ctx, { ok: true, ...result });
        else ctx.io.out(`${summary(result)}\n`);
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}
