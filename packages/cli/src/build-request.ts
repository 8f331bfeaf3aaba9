import type { Command } from "commander";
import type { BuilderOptions } from "@envforge/core/plugin-kit";
import { parseBuilderOptions } from "./builder-options.js";
import { resolvePath, type CommandContext, type GlobalFlags } from "./context.js";
import { addFlags } from "./flag-options.js";
import { BUILD_REQUEST_FLAGS } from "./flag-table.js";

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

/**
 * Adds build's request flags (same names, same defaults: target venv; flag-table.ts) to a
 * command; `help` words the two flags whose meaning the command narrows (`run` times the build,
 * not its command).
 */
export function withBuildRequestFlags(
  command: Command,
  help: { rebuild?: string; timeout?: string } = {},
): Command {
  return addFlags(command, BUILD_REQUEST_FLAGS, help);
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
