import type { Command } from "commander";
import type { BuilderOptions } from "@envforge/core/plugin-kit";
import { parseBuilderOptions } from "./builder-options.js";
import { resolvePath, type CommandContext, type GlobalFlags } from "./context.js";

/** The flags of `build` that say how to build on a miss: `run`, `shell` and `activate` take them too. */
export interface BuildRequestFlags extends GlobalFlags {
  target: string;
  rebuild?: boolean;
  register?: boolean;
  timeout?: string;
  option: string[];
  findLinks: string[];
  indexUrl?: string;
  index?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * Adds build's request flags (same names, same defaults: target venv) to a command; `help`
 * words the two flags whose meaning the command narrows (`run` times the build, not its command).
 */
export function withBuildRequestFlags(
  command: Command,
  help: { rebuild?: string; timeout?: string } = {},
): Command {
  return command
    .option("-t, --target <target>", "venv, conda, spark, docker, podman", "venv")
    .option("--rebuild", help.rebuild ?? "build a new generation even on a cache hit")
    .option("--no-register", "do not register a named definition in the workspace")
    .option("--timeout <seconds>", help.timeout ?? "kill the build (not the command) after this long")
    .option("-o, --option <plugin.key=value>", "builder option, repeatable (not hashed)", collect, [])
    .option("--find-links <dir-or-url>", "pip: where to find wheels (repeatable; not hashed)", collect, [])
    .option("--index-url <url>", "pip: package index (not hashed)")
    .option("--no-index", "pip: do not use any package index");
}

/** The builder options the flags give, exactly as `build` reads them. */
export function builderOptionsOf(ctx: CommandContext, flags: BuildRequestFlags): BuilderOptions {
  const builderOptions: BuilderOptions = parseBuilderOptions(flags.option);
  const pip = (builderOptions.pip ??= {});
  if (flags.findLinks.length > 0) pip.findLinks = flags.findLinks.map((f) => (/^[a-z]+:\/\//i.test(f) ? f : resolvePath(ctx.io, f)));
  if (flags.indexUrl) pip.indexUrl = flags.indexUrl;
  if (flags.index === false) pip.noIndex = true;
  return builderOptions;
}
