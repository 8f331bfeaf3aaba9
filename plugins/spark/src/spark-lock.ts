import path from "node:path";
import { createError, type BuildContext, type EnvLock, type LockContext, type LockedJar, type LockPart, type LockRequest } from "@envforge/core/plugin-kit";
import { parseCoordinate } from "./coordinates.js";
import { resolveBuilderOptions, type SparkBuilderOptions } from "./options.js";
import { resolveSparkJars, type ResolvedJar, type SparkResolution } from "./resolve.js";
import { SPARK_SECTION, type SparkCanonical } from "./section.js";
import { packageSites } from "./builder.js";

/** `group:artifact:version[:classifier]` of a resolved jar. */
function coordinateOf(jar: ResolvedJar): string {
  return `${jar.group}:${jar.artifact}:${jar.version}${jar.classifier ? `:${jar.classifier}` : ""}`;
}

/** Maven's own file name of a jar (`artifact-version[-classifier].jar`): what identifies it, not where it was put. */
function mavenFileOf(jar: ResolvedJar): string {
  return `${jar.artifact}-${jar.version}${jar.classifier ? `-${jar.classifier}` : ""}${path.extname(jar.file) || ".jar"}`;
}

/**
 * The Spark section's `lock` tap: Ivy's resolution (the same one a build runs), into the lock's
 * scratch folder, every jar with its coordinate and sha256. With `precache: false` Spark resolves
 * at startup, outside envforge: nothing to lock.
 */
export async function lockSpark(_request: LockRequest, ctx: LockContext, defaults: SparkBuilderOptions): Promise<LockPart | undefined> {
  const spark = ctx.canonical.sections[SPARK_SECTION] as SparkCanonical | undefined;
  if (!spark || !spark.precache || spark.packages.length === 0) return undefined;
  const options = resolveBuilderOptions(defaults, ctx.options[SPARK_SECTION], ctx.baseDir);
  const resolution = await resolveSparkJars(spark, options, {
    workDir: ctx.workDir,
    jarsDir: path.join(ctx.workDir, "jars"),
    signal: ctx.signal,
    log: (line, stream) => ctx.log(line, stream),
    warn: (code, message, hint) => ctx.warn(code, message, undefined, hint),
    sites: packageSites(ctx.spec.sections[SPARK_SECTION]),
    passEnv: ctx.policy.passEnv,
  });
  return { spark: resolution.jars.map((j): LockedJar => ({ coordinate: coordinateOf(j), file: mavenFileOf(j), sha256: j.sha256 })) };
}

/** Every package the definition lists must be in the lock at that version: else the lock is stale. */
export function checkSparkLock(ctx: BuildContext, spark: SparkCanonical, locked: readonly LockedJar[]): void {
  const have = new Set(locked.map((j) => j.coordinate));
  const missing = spark.packages.filter((p) => {
    const c = parseCoordinate(p);
    return !have.has(`${c.group}:${c.artifact}:${c.version}${c.classifier ? `:${c.classifier}` : ""}`);
  });
  if (missing.length === 0) return;
  throw createError("E_LOCK_MISMATCH", `the lock does not satisfy the definition: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not locked`, {
    location: ctx.spec.loaded.locator.locate(["spark"]),
    field: "spark.packages",
    hint: "update the lock: envforge lock REF",
  });
}

/**
 * A build from the lock: exactly the locked coordinates, none of their dependencies resolved
 * again (the lock lists the whole closure), each jar checked against its sha256.
 */
export async function resolveLockedJars(
  spark: SparkCanonical,
  lock: EnvLock,
  resolve: (spark: SparkCanonical, transitive: boolean) => Promise<SparkResolution>,
): Promise<SparkResolution> {
  const locked = lock.spark ?? [];
  const resolution = await resolve({ ...spark, packages: locked.map((j) => j.coordinate) }, false);
  const byCoordinate = new Map(resolution.jars.map((j) => [coordinateOf(j), j]));
  for (const jar of locked) {
    const got = byCoordinate.get(jar.coordinate);
    if (!got) {
      throw createError("E_BUILD_FAILED", `the locked jar ${jar.coordinate} (${jar.file}) was not retrieved`, {
        hint: "a locked jar is never re-resolved silently: check the repositories still publish it, or lock again (envforge lock REF)",
        details: { package: jar.coordinate },
      });
    }
    if (got.sha256 !== jar.sha256) {
      throw createError("E_BUILD_FAILED", `the jar of ${jar.coordinate} (${jar.file}) does not match the lock's sha256 (tampered or replaced): expected ${jar.sha256}, got ${got.sha256}`, {
        hint: "a locked jar is never re-resolved silently: restore the repository's file, or lock again (envforge lock REF) if the change is meant",
        details: { package: jar.coordinate, expected: jar.sha256, got: got.sha256 },
      });
    }
  }
  return resolution;
}
