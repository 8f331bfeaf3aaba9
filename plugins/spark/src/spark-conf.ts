import { createError } from "@envforge/core/plugin-kit";
import type { SparkCanonical } from "./section.js";

/**
 * `spark-defaults.conf` is read with `java.util.Properties` (UTF-8): a backslash starts an escape,
 * and a line break ends the value, so both are escaped; everything else is taken literally.
 */
function escapeValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/^\s/, (c) => `\\${c}`);
}

/** Properties as Spark reads them from `spark-defaults.conf`, keys in a stable order. */
export function sparkDefaultsConf(properties: Record<string, string>, header: string): string {
  const lines = [`# ${header}`];
  for (const key of Object.keys(properties).sort()) lines.push(`${key} ${escapeValue(properties[key]!)}`);
  return `${lines.join("\n")}\n`;
}

/** `spark.jars` is split on commas, so a path holding one cannot be listed. */
export function sparkJarsValue(paths: readonly string[]): string {
  const bad = paths.find((p) => p.includes(","));
  if (bad) {
    throw createError("E_BUILD_FAILED", `cannot list ${bad} in spark.jars: Spark splits that setting on commas`, {
      hint: "use a cache folder (--cache-dir) whose path has no comma",
    });
  }
  return paths.join(",");
}

/**
 * The properties for precache off: Spark resolves the packages itself at startup, into `ivyDir`.
 * Credentials are not written: the configuration is stored with the artifact.
 */
export function sparkPackagesProperties(spark: SparkCanonical, ivyDir: string): Record<string, string> {
  const properties: Record<string, string> = {
    "spark.jars.packages": spark.packages.join(","),
    "spark.jars.ivy": ivyDir,
  };
  if (spark.repositories.length > 0) properties["spark.jars.repositories"] = spark.repositories.join(",");
  return properties;
}
