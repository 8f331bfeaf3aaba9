import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { EnvforgeError, createError, createRedactor, toolEnvironment, type SourceLocation, type WarningCode } from "@envforge/core/plugin-kit";
// execa (about 80 ms to load) only when a process runs: commands that never start one do not pay for it.
import { parseCoordinate } from "./coordinates.js";
import {
  ARTIFACT_TYPES,
  RETRIEVE_PATTERN,
  ivyModuleXml,
  ivySettingsXml,
  reportFileName,
  retrievedName,
} from "./ivy-files.js";
import {
  describeConflict,
  parseIvyReport,
  resolveFailures,
  resolvedArtifacts,
  versionConflicts,
  type IvyReport,
  type ResolveFailure,
  type VersionConflict,
} from "./ivy-report.js";
import { IVY_HINT, JAVA_HINT, findIvyJar, type ResolvedBuilderOptions } from "./options.js";
import { completeRealms } from "./realm.js";
import type { SparkCanonical } from "./section.js";

/** What resolution needs from its caller (a build, or an image fragment working on the host). */
export interface ResolveIO {
  /** Scratch folder for the Ivy settings, module file and download cache. */
  workDir: string;
  /** Where the jars are retrieved to; created. */
  jarsDir: string;
  signal: AbortSignal;
  log(line: string, stream?: "stdout" | "stderr" | "info"): void;
  warn(code: WarningCode, message: string, hint?: string): void;
  /** Where each package (canonical text) was written, to locate errors about it. */
  sites?: ReadonlyMap<string, { location: SourceLocation; field: string }> | undefined;
  /** Host variables the host passes to build tools (`policy.passEnv`); Java sees no others but core's allowlist and JAVA_HOME. */
  passEnv?: readonly string[] | undefined;
}

/** One jar on the resolved classpath. */
export interface ResolvedJar {
  group: string;
  artifact: string;
  version: string;
  classifier?: string | undefined;
  /** Absolute path of the retrieved jar. */
  file: string;
  sha256: string;
  /** Where Ivy downloaded it from. */
  source?: string | undefined;
}

export interface SparkResolution {
  /** Sorted by file name. */
  jars: ResolvedJar[];
  conflicts: VersionConflict[];
  /** The repositories that were searched, in order. */
  repositories: string[];
}

const TAIL_LINES = 40;

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

/**
 * Resolves the packages transitively with Apache Ivy (what Spark's own `--packages` runs) in one
 * resolution, so version conflicts across packages are settled once, and retrieves the jars.
 */
export async function resolveSparkJars(spark: SparkCanonical, options: ResolvedBuilderOptions, io: ResolveIO, transitive = true): Promise<SparkResolution> {
  const repositories = spark.repositories.length > 0 ? spark.repositories : options.defaultRepositories;
  const ivyDir = path.join(io.workDir, "ivy");
  const reportsDir = path.join(ivyDir, "reports");
  await mkdir(reportsDir, { recursive: true });
  await mkdir(io.jarsDir, { recursive: true });
  const settingsPath = path.join(ivyDir, "ivysettings.xml");
  const modulePath = path.join(ivyDir, "ivy.xml");
  const coordinates = spark.packages.map((p) => parseCoordinate(p));
  const credentials = await completeRealms(options.credentials, repositories, coordinates[0], io.signal, (line) => io.log(line, "info"));
  // Credentials exist only in this file, in the scratch folder the engine deletes after the build.
  await writeFile(
    settingsPath,
    ivySettingsXml({ repositories, cacheDir: path.join(ivyDir, "cache"), resolutionCacheDir: reportsDir, credentials }),
    { mode: 0o600 },
  );
  await writeFile(modulePath, ivyModuleXml(coordinates, transitive));

  const redact = createRedactor(options.credentials.map((c) => c.password));
  const tail: string[] = [];
  const tried = new Set<string>();
  const log = (line: string, stream: "stdout" | "stderr") => {
    const clean = redact.text(line);
    // Ivy lists each URL it tried for a missing artifact on a line of its own.
    const url = clean.trim();
    if (/^(https?|file):\S+$/.test(url) && tried.size < 100) tried.add(url);
    tail.push(clean);
    if (tail.length > TAIL_LINES) tail.shift();
    io.log(clean, stream);
  };
  const ivyJar = options.ivyJar ?? findIvyJar();
  if (!existsSync(ivyJar)) {
    throw createError("E_TOOL_NOT_FOUND", `the Ivy jar ${ivyJar} does not exist`, { hint: IVY_HINT });
  }
  const args = [
    ...options.javaOptions,
    // Keep Ivy away from ~/.ivy2: every file it writes stays in the scratch folder.
    `-Divy.default.ivy.user.dir=${path.join(ivyDir, "home")}`,
    "-jar", ivyJar,
    "-settings", settingsPath,
    "-ivy", modulePath,
    "-confs", "default",
    "-types", ...ARTIFACT_TYPES,
    "-retrieve", path.join(io.jarsDir, RETRIEVE_PATTERN),
  ];
  io.log(`resolving ${spark.packages.length} Spark package(s) with Ivy from ${repositories.join(", ")}`, "info");
  const { execa } = await import("execa");
  const subprocess = execa(options.java, args, {
    cancelSignal: io.signal,
    forceKillAfterDelay: 5_000,
    reject: false,
    stdin: "ignore",
    cwd: ivyDir,
    // Not the host's whole environment: Ivy reads properties from it, and nothing in it is Ivy's business.
    env: toolEnvironment({ passEnv: io.passEnv ?? [] }, ["JAVA_HOME"]),
    extendEnv: false,
    stdout: {
      transform: function* (line: unknown) {
        log(String(line), "stdout");
        yield line;
      },
    },
    stderr: {
      transform: function* (line: unknown) {
        log(String(line), "stderr");
        yield line;
      },
    },
  });
  const result = await subprocess;
  io.signal.throwIfAborted();
  if ((result as { code?: string }).code === "ENOENT") {
    throw createError("E_TOOL_NOT_FOUND", `Java was not found (${options.java})`, { hint: JAVA_HINT });
  }

  const reportPath = path.join(reportsDir, reportFileName());
  const report: IvyReport | undefined = existsSync(reportPath) ? await parseIvyReport(await readFile(reportPath, "utf8")) : undefined;
  if (result.exitCode !== 0 || !report) {
    throw failureError(report ? resolveFailures(report) : [], { repositories, tried: [...tried], tail }, io, result.exitCode);
  }

  const conflicts = versionConflicts(report);
  if (conflicts.length > 0) {
    const lines = conflicts.map(describeConflict);
    for (const line of lines) io.log(`version conflict: ${line}`, "info");
    io.warn(
      "W_VERSION_CONFLICT",
      `Spark packages need different versions of ${conflicts.length} module(s), Ivy kept one of each: ${lines.join("; ")}`,
      "list the version you want in spark.packages, or check that the packages work with the versions kept",
    );
  }

  const jars: ResolvedJar[] = [];
  for (const r of resolvedArtifacts(report)) {
    const name = retrievedName({ organisation: r.organisation, artifact: r.artifact.name, revision: r.revision, classifier: r.artifact.classifier, ext: r.artifact.ext });
    const file = path.join(io.jarsDir, name);
    if (!existsSync(file)) {
      throw createError("E_BUILD_FAILED", `Ivy resolved ${r.organisation}:${r.module}:${r.revision} but did not retrieve ${name}`, {
        hint: "this is unexpected; the build log has Ivy's output",
        details: { outputTail: tail.join("\n") },
      });
    }
    jars.push({
      group: r.organisation,
      artifact: r.module,
      version: r.revision,
      classifier: r.artifact.classifier,
      file,
      sha256: await sha256Of(file),
      source: r.artifact.origin,
    });
  }
  jars.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  io.log(`resolved ${jars.length} jar(s)`, "info");
  return { jars, conflicts, repositories };
}

/** The clearest error the output allows: which coordinates were missing, and where Ivy looked. */
function failureError(
  failures: ResolveFailure[],
  output: { repositories: string[]; tried: string[]; tail: string[] },
  io: ResolveIO,
  exitCode: number | undefined,
): EnvforgeError {
  const { repositories, tried, tail } = output;
  const details = { repositories, tried, outputTail: tail.join("\n"), failures };
  if (failures.length === 0) {
    return createError("E_BUILD_FAILED", `Ivy failed (exit code ${exitCode ?? "none"}) resolving Spark packages from ${repositories.join(", ")}`, {
      // The engine appends where the whole output is ("the build log is PATH", build-support.ts).
      hint: "the last lines of Ivy's output are below",
      details,
    });
  }
  const first = failures[0]!;
  const what = failures
    .map((f) => {
      const by = f.neededBy.filter((b) => b !== "spark.packages");
      return `${f.coordinate}${f.kind === "artifact" ? " (its jar)" : ""}${by.length > 0 ? ` needed by ${by.join(", ")}` : ""}`;
    })
    .join("; ");
  const site = io.sites?.get(first.coordinate);
  return createError("E_BUILD_FAILED", `not found in any repository: ${what}; repositories tried: ${repositories.join(", ")}`, {
    hint: "check the coordinates (they are case-sensitive) and versions, or add the repository that publishes them to spark.repositories",
    location: site?.location,
    field: site?.field,
    details,
  });
}
