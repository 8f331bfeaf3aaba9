import path from "node:path";
import { createError, type ImageFragment, type ImageFragmentContext } from "@envforge/core/plugin-kit";
import { packageSites } from "./builder.js";
import { resolveBuilderOptions, type SparkBuilderOptions } from "./options.js";
import { resolveSparkJars } from "./resolve.js";
import { SPARK_SECTION, type SparkCanonical } from "./section.js";
import { sparkDefaultsConf, sparkJarsValue, sparkPackagesProperties } from "./spark-conf.js";

/** After conda (30) and pip (40): a Spark change rebuilds only the layers from here on. */
export const SPARK_FRAGMENT_ORDER = 50;
export const DEFAULT_IMAGE_ROOT = "/opt/envforge/spark";
/** Build-context paths of the fragment's files. */
export const CONTEXT_JARS = "envforge/spark/jars";
export const CONTEXT_CONF = "envforge/spark/conf/spark-defaults.conf";

/** Paths in images are written into Dockerfile instructions unquoted: keep them to safe characters. */
export function checkImageRoot(root: string): string {
  const trimmed = root.replace(/\/+$/, "");
  if (!/^\/[A-Za-z0-9._/-]+$/.test(trimmed) || trimmed.split("/").includes("..")) {
    throw createError("E_INVALID_VALUE", `sparkPlugin option imageRoot must be an absolute path, got ${JSON.stringify(root)}`, {
      hint: "use letters, digits and . _ - / only, e.g. /opt/envforge/spark",
    });
  }
  return trimmed;
}

/** Dockerfile comment lines above the offline Spark layer (each line starts with `#`). */
function offlineNote(root: string, count: number): string {
  return [
    `# envforge: spark.precache is on. \`envforge build --target docker\` resolves these ${count} package(s) with Ivy`,
    `# on the host and copies the jars to ${root}/jars. This Dockerfile was written offline`,
    "# (`envforge dockerfile`), so Spark fetches them itself on first use (spark.jars.packages).",
  ].join("\n");
}

/**
 * The Spark layer of an image. The jars are resolved once, here on the host (the image build runs
 * without a network and without Java), and copied in by one `COPY` of their own; the configuration
 * names their paths inside the image. `SPARK_CONF_DIR` points Spark (and PySpark) at it.
 * Offline (`ctx.offline`) nothing is resolved: Spark resolves the packages at first use.
 */
export async function sparkImageFragment(
  spark: SparkCanonical,
  ctx: ImageFragmentContext,
  defaults: SparkBuilderOptions,
  imageRoot = DEFAULT_IMAGE_ROOT,
): Promise<ImageFragment | undefined> {
  if (spark.packages.length === 0) return undefined;
  const root = checkImageRoot(imageRoot);
  const header = `written by envforge for ${ctx.hash}`;
  const confInstructions = [
    `COPY ${CONTEXT_CONF} ${root}/conf/spark-defaults.conf`,
    `ENV SPARK_CONF_DIR=${root}/conf`,
  ];

  if (!spark.precache || ctx.offline) {
    const properties = sparkPackagesProperties(spark, `${root}/ivy`);
    if (spark.precache) {
      // Offline (`envforge dockerfile`): resolving would start Ivy against the repositories, and a
      // Dockerfile cannot do it either without Java in the image. Spark's own resolution keeps the
      // image correct and buildable from the context; the comment says what a build does instead.
      confInstructions[0] = `${offlineNote(root, spark.packages.length)}\n${confInstructions[0]}`;
      ctx.warn(
        "W_SPARK_NOT_PRECACHED",
        `the ${spark.packages.length} Spark package(s) are not resolved offline: this Dockerfile leaves them to Spark at first use (spark.jars.packages)`,
        "`envforge build --target docker` resolves them on the host and copies the jars into the image",
      );
    }
    return {
      order: SPARK_FRAGMENT_ORDER,
      instructions: confInstructions,
      files: { [CONTEXT_CONF]: sparkDefaultsConf(properties, header) },
      differsFromBuild: spark.precache,
    };
  }

  const hostJars = path.join(ctx.workDir, "spark", "jars");
  const resolution = await resolveSparkJars(spark, resolveBuilderOptions(defaults, ctx.options[SPARK_SECTION], ctx.baseDir ?? process.cwd()), {
    workDir: path.join(ctx.workDir, "spark"),
    jarsDir: hostJars,
    signal: ctx.signal,
    log: (line, stream) => ctx.log(line, stream),
    warn: (code, message, hint) => ctx.warn(code, message, hint),
    sites: packageSites(ctx.spec.sections[SPARK_SECTION]),
  });
  const inImage = resolution.jars.map((j) => `${root}/jars/${path.basename(j.file)}`);
  return {
    order: SPARK_FRAGMENT_ORDER,
    instructions: [`COPY ${CONTEXT_JARS} ${root}/jars`, ...confInstructions],
    files: { [CONTEXT_CONF]: sparkDefaultsConf({ "spark.jars": sparkJarsValue(inImage) }, header) },
    folders: { [CONTEXT_JARS]: hostJars },
  };
}
