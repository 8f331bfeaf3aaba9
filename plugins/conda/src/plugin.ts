import type { EnginePlugin } from "@envforge/core/plugin-kit";
import { buildCondaPrefix, TARGET, type CondaBuilderOptions } from "./builder.js";
import { condaImageFragment } from "./image-fragment.js";
import { activateCondaPrefix } from "./activate.js";
import { canonicalCondaSection, declareFields, parseCondaSection, SECTION } from "./section.js";

export const PLUGIN = "conda";

export interface CondaPluginOptions extends CondaBuilderOptions {
  /** Warn (`W_UNPINNED`) about conda dependencies without an upper bound. Default true. */
  warnUnpinned?: boolean;
}

/**
 * The conda section (`python.conda`, `python.condaFile`) and the `conda` target, which creates a
 * prefix with micromamba, mamba or conda. Builder options given here are defaults; a build's own
 * `builderOptions.conda` override them.
 */
export function condaPlugin(options: CondaPluginOptions = {}): EnginePlugin {
  const { warnUnpinned, ...builderDefaults } = options;
  return {
    name: PLUGIN,
    apply(engine) {
      engine.hooks.schema.tap(PLUGIN, declareFields);
      engine.hooks.parseSection.for(SECTION).tapPromise(PLUGIN, (fields, ctx) => parseCondaSection(fields, ctx, { warnUnpinned }));
      engine.hooks.canonicalizeSection.for(SECTION).tap(PLUGIN, canonicalCondaSection);
      engine.hooks.build.for(TARGET).tapPromise(PLUGIN, (ctx) => buildCondaPrefix(ctx, builderDefaults));
      // A prefix holds the conda packages, its interpreter and the pip part.
      engine.targets.declare({ name: TARGET, carries: [SECTION, "python", "pip"] });
      engine.hooks.activate.for(TARGET).tap(PLUGIN, (entry) => activateCondaPrefix(entry));
      engine.hooks.imageFragment.for(SECTION).tap(PLUGIN, (value) => condaImageFragment(value));
    },
  };
}
