import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { LOCK_SECTION, type BuildContext, type BuildOutput, type EnvLock, type Lock, type SourceLocation } from "@envforge/core/plugin-kit";
import { resolveBuilderOptions, type SparkBuilderOptions } from "./options.js";
import { resolveSparkJars, type ResolvedJar } from "./resolve.js";
import { SPARK_SECTION, type SparkCanonical, type SparkSection } from "./section.js";
import { checkSparkLock, resolveLockedJars } from "./spark-lock.js";
import { sparkDefaultsConf, sparkJarsValue, sparkPackagesProperties } from "./spark-conf.js";

export const SPARK_TARGET = "spark";
export const ARTIFACT_KIND = "spark-jars";

/** Locations of the definition's packages, so a missing one is reported where it was written. */
export function packageSites(parsed: SparkSection | undefined): Map<string, { location: SourceLocation; field: string }> {
  const sites = new Map<string, { location: SourceLocation; field: string }>();
  for (const p of parsed?.packages ?? []) {
    if (!sites.has(p.text)) sites.set(p.text, { location: p.location, field: p.field });
    // Ivy reports a missing module without its classifier.
    const base = `${p.coordinate.group}:${p.coordinate.artifact}:${p.coordinate.version}`;
    if (!sites.has(base)) sites.set(base, { location: p.location, field: p.field });
  }
  return sites;
}

export function lockOf(jars: readonly ResolvedJar[]): Lock {
  return {
    packages: jars.map((j) => ({
      ecosystem: "maven",
      name: `${j.group}:${j.artifact}`,
      version: j.version,
      sha256: j.sha256,
      source: j.source ?? path.basename(j.file),
    })),
  };
}

/**
 * Target `spark`: the artifact folder holds `jars/` (every jar of the transitive resolution) and
 * `conf/spark-defaults.conf` pointing Spark at them — so `SPARK_CONF_DIR=<artifact>/conf` is all
 * a Spark session needs. With precache off nothing is downloaded: the configuration names the
 * packages and Spark resolves them itself at startup.
 */
export async function buildSpark(ctx: BuildContext, defaults: SparkBuilderOptions): Promise<BuildOutput> {
  const spark = ctx.canonical.sections[SPARK_SECTION];
  const confDir = path.join(ctx.artifactDir, "conf");
  const confFile = path.join(confDir, "spark-defaults.conf");
  await mkdir(confDir, { recursive: true });
  const header = `written by envforge for ${ctx.hash}`;

  if (!spark) {
    ctx.log("the definition has no Spark packages: the configuration is empty", "info");
    await writeFile(confFile, sparkDefaultsConf({}, header));
    return { artifact: { kind: ARTIFACT_KIND, path: ctx.artifactDir, details: { confFile, jars: [] } }, lock: { packages: [] }, seal: { paths: ["conf", "conf/spark-defaults.conf"] } };
  }

  if (!spark.precache) {
    const ivyDir = path.join(ctx.artifactDir, "ivy");
    await mkdir(ivyDir, { recursive: true });
    const properties = sparkPackagesProperties(spark, ivyDir);
    await writeFile(confFile, sparkDefaultsConf(properties, header));
    ctx.log(`precache is off: Spark resolves ${spark.packages.length} package(s) itself at startup into ${ivyDir}`, "info");
    return {
      artifact: { kind: ARTIFACT_KIND, path: ctx.artifactDir, details: { confFile, precache: false, sparkConf: properties } },
      // Spark fills the Ivy folder when it starts: outside what a hit checks and what verify digests.
      seal: { paths: ["conf", "conf/spark-defaults.conf"], volatile: ["ivy"] },
    };
  }

  const options = resolveBuilderOptions(defaults, ctx.options[SPARK_SECTION], ctx.baseDir);
  const jarsDir = path.join(ctx.artifactDir, "jars");
  const resolve = (packages: SparkCanonical, transitive: boolean) =>
    resolveSparkJars(packages, options, {
      workDir: ctx.workDir,
      jarsDir,
      signal: ctx.signal,
      log: (line, stream) => ctx.log(line, stream),
      warn: (code, message, hint) => ctx.warn(code, message, undefined, hint),
      sites: packageSites(ctx.spec.sections[SPARK_SECTION]),
      passEnv: ctx.policy.passEnv,
    }, transitive);
  // A lock beside the definition (LOCK.md): exactly its jars, each checked against its sha256.
  const lock = ctx.spec.sections[LOCK_SECTION] as EnvLock | undefined;
  if (lock?.spark && lock.spark.length > 0) checkSparkLock(ctx, spark, lock.spark);
  const resolution = lock?.spark && lock.spark.length > 0 ? await resolveLockedJars(spark, lock, resolve) : await resolve(spark, true);
  const properties = { "spark.jars": sparkJarsValue(resolution.jars.map((j) => j.file)) };
  await writeFile(confFile, sparkDefaultsConf(properties, header));
  return {
    artifact: {
      kind: ARTIFACT_KIND,
      path: ctx.artifactDir,
      details: {
        confFile,
        jarsDir,
        jars: resolution.jars.map((j) => path.basename(j.file)),
        repositories: resolution.repositories,
        conflicts: resolution.conflicts.map((c) => ({ ...c })),
      },
    },
    lock: lockOf(resolution.jars),
    seal: { paths: ["conf", "conf/spark-defaults.conf", "jars"] },
  };
}
