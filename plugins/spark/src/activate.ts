import path from "node:path";
import type { Activation, CacheEntry } from "@envforge/core/plugin-kit";
import { ARTIFACT_KIND } from "./builder.js";

/**
 * The `spark` target's activation: `SPARK_CONF_DIR` names the artifact's `conf/`, whose
 * `spark-defaults.conf` (written by the builder) lists the resolved jars (`spark.jars`) or, with
 * precache off, the packages Spark resolves itself — `spark-submit`, `pyspark` and
 * `spark-shell` read it from there at startup.
 */
export function activateSpark(entry: CacheEntry): Activation | undefined {
  const artifact = entry.artifact;
  if (artifact.kind !== ARTIFACT_KIND || !artifact.path) return undefined;
  return { env: { SPARK_CONF_DIR: path.join(artifact.path, "conf") } };
}
