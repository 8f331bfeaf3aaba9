import type { EnginePlugin } from "@envforge/core/plugin-kit";
import { SPARK_TARGET, buildSpark } from "./builder.js";
import { activateSpark } from "./activate.js";
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
  return {
    name: PLUGIN,
    apply(engine) {
      engine.hooks.schema.tap(PLUGIN, declareSparkSchema);
      engine.hooks.parseSection.for(SPARK_SECTION).tapPromise(PLUGIN, parseSparkSection);
      engine.hooks.canonicalizeSection.for(SPARK_SECTION).tap(PLUGIN, canonicalizeSparkSection);
      engine.hooks.build.for(SPARK_TARGET).tapPromise(PLUGIN, (ctx) => buildSpark(ctx, builderDefaults));
      // Jars and their configuration only: no interpreter, no Python packages.
      engine.targets.declare({ name: SPARK_TARGET, carries: [SPARK_SECTION] });
      engine.hooks.activate.for(SPARK_TARGET).tap(PLUGIN, (entry) => activateSpark(entry));
      engine.hooks.imageFragment
        .for(SPARK_SECTION)
        .tapPromise(PLUGIN, (value, ctx) => sparkImageFragment(value, ctx, builderDefaults, root));
    },
  };
}
