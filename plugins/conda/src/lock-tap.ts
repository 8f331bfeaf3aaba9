import type { LockContext, LockPart, LockRequest } from "@envforge/core/plugin-kit";
import { pythonCanonical } from "@envforge/python";
import { resolveBuilderOptions, type CondaBuilderOptions } from "./builder.js";
import { lockCondaSection } from "./lock-section.js";
import { hasPipPart } from "./pip-part.js";
import type { CondaCanonical } from "./section.js";

/**
 * The `lock` tap of the conda section (`envforge lock`): the whole closure of what a conda build
 * installs, resolved where a build would fetch it — the same builder options (`conda.channelUrls`,
 * `conda.channelsOverride` paired with the definition's channels) — and recorded by channel name.
 */
export async function lockTap(request: LockRequest, ctx: LockContext, defaults: CondaBuilderOptions): Promise<LockPart | undefined> {
  const conda = ctx.canonical.sections.conda as CondaCanonical | undefined;
  if (conda === undefined) return undefined;
  const options = resolveBuilderOptions(defaults, ctx.options.conda, ctx.baseDir);
  const named = conda.channels.filter((c) => c !== "nodefaults");
  const channelUrls: Record<string, string> = {};
  const override = options.channelsOverride;
  if (override !== undefined && override.length === named.length) named.forEach((c, i) => (channelUrls[c] = override[i]!));
  Object.assign(channelUrls, options.channelUrls);
  const locked = await lockCondaSection(conda, {
    platform: request.platform,
    channelUrls,
    previous: request.previous?.conda,
    upgrade: request.upgrade,
    upgradePackages: request.upgradePackages,
    python: request.python ?? pythonCanonical(ctx.canonical.sections.python).version,
    pip: hasPipPart({ canonical: ctx.canonical }),
  });
  ctx.log(`conda: ${locked.packages.length} packages locked for ${locked.subdir} and noarch`, "info");
  return { conda: locked.packages };
}
