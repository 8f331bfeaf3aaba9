import { defineSection, definePlugin, type EnginePlugin } from "@envforge/core";
import { SPARK_TARGET, buildSpark } from "./builder.js";
import { activateSpark } from "./activate.js";
import { lockSpark } from "./spark-lock.js";
import { DEFAULT_IMAGE_ROOT, checkImageRoot, sparkImageFragment } from "./image-fragment.js";
import type { SparkPluginOptions } from "./options.js";
import { SPARK_SECTION, canonicalizeSparkSection, declareSparkSchema, parseSparkSection } from "./section.js";

const PLUGIN = "spark";

/**
 * Spark packages: the `spark` field (Maven coordinates, repositories, precache), the local target
 * `spark` (jars resolved with Ivy into the cache, plus `spark-defaults.conf`), and the Spark layer
 * of images. `options` are defaults for the builder options `spark.*` a build may override.
 */
export function sparkPlugin(options: SparkPluginOptions = {}): EnginePlugin {
  const { imageRoot = DEFAULT_IMAGE_ROOT, ...builderDefaults } = options;
  const root = checkImageRoot(imageRoot);
  const section = defineSection({
    name: SPARK_SECTION,
    schema: declareSparkSchema,
    parse: parseSparkSection,
    canonicalize: canonicalizeSparkSection,
    imageFragment: (value, ctx) => sparkImageFragment(value, ctx, builderDefaults, root),
  });
  return definePlugin({
    name: PLUGIN,
    sections: [section],
    apply(engine) {
      engine.hooks.build.for(SPARK_TARGET).tapPromise(PLUGIN, (ctx) => buildSpark(ctx, builderDefaults));
      // Jars and their configuration only: no interpreter, no Python packages.
      engine.targets.declare({ name: SPARK_TARGET, carries: [SPARK_SECTION] });
      engine.hooks.activate.for(SPARK_TARGET).tap(PLUGIN, (entry) => activateSpark(entry));
      engine.hooks.lock.for(SPARK_SECTION).tapPromise(PLUGIN, (request, ctx) => lockSpark(request, ctx, builderDefaults));
    },
  });
}
