import { definePlugin, defineSection, type EnginePlugin } from "@envforge/core";
import type { CondaBuilderOptions } from "./builder.js";
import { condaImageFragment } from "./image-fragment.js";
import { activateCondaPrefix } from "./activate.js";
import { canonicalCondaSection, declareFields, parseCondaSection, SECTION } from "./section.js";
import { pinConda } from "./pin-tap.js";
import { CONDA_FORMAT, importConda } from "./import-tap.js";
import { TARGET } from "./target.js";

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
  const section = defineSection({
    name: SECTION,
    schema: declareFields,
    parse: (fields, ctx) => parseCondaSection(fields, ctx, { warnUnpinned }),
    canonicalize: canonicalCondaSection,
    imageFragment: condaImageFragment,
  });
  return definePlugin({
    name: PLUGIN,
    sections: [section],
    apply(engine) {
      // The builder and the locker (with their tools, the local channel server) load when first used:
      // hashing or validating a definition needs only the section.
      engine.hooks.build.for(TARGET).tapPromise(PLUGIN, async (ctx) => (await import("./builder.js")).buildCondaPrefix(ctx, builderDefaults));
      // A prefix holds the conda packages, its interpreter and the pip part.
      engine.targets.declare({ name: TARGET, carries: [SECTION, "python", "pip"] });
      engine.hooks.activate.for(TARGET).tap(PLUGIN, (entry) => activateCondaPrefix(entry));
      engine.hooks.pin.for(SECTION).tapPromise(PLUGIN, pinConda);
      engine.hooks.lock.for(SECTION).tapPromise(PLUGIN, async (request, ctx) => (await import("./lock-tap.js")).lockTap(request, ctx, builderDefaults));
      engine.hooks.import.for(CONDA_FORMAT).tapPromise(PLUGIN, importConda);
    },
  });
}
