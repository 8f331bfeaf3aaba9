import {
  createError,
  formatPath,
  type CanonicalValue,
  type ParseContext,
  type SchemaBuilder,
  type SectionFields,
  type SourceLocation,
  canonicalSet,
  frozenCopy,
  z,
} from "@envforge/core/plugin-kit";
import {
  coordinateFromObject,
  formatCoordinate,
  moduleOf,
  parseCoordinate,
  unpinnedReason,
  type MavenCoordinate,
} from "./coordinates.js";
import { sortMavenVersions } from "./maven-version.js";
import { confineRepository } from "./confine.js";
import { checkRepositoryHost, normalizeRepository } from "./repositories.js";

export const SPARK_SECTION = "spark";

/** One package as written, with where it was written (builders name it in errors). */
export interface SparkPackage {
  coordinate: MavenCoordinate;
  /** Canonical `group:artifact:version[:classifier]`. */
  text: string;
  location: SourceLocation;
  field: string;
}

/** The section as the plugin parsed it (kept in `ParsedSpec.sections.spark`). */
export interface SparkSection {
  packages: SparkPackage[];
  repositories: string[];
  precache: boolean;
}

/** The canonical (hashed) form; builders work from this alone. A JSON shape (a type, not an interface): it is hashed. */
export type SparkCanonical = {
  /** Sorted, deduplicated `group:artifact:version[:classifier]`, case kept. */
  packages: string[];
  /** As written (normalized URLs): the order is the lookup order. */
  repositories: string[];
  precache: boolean;
};

declare module "@envforge/core" {
  interface SectionTypes {
    spark: { parsed: SparkSection; canonical: SparkCanonical };
  }
}

/**
 * The mapping form is checked by the parser, not by zod: a union's error would say "must be a
 * string" for a mapping with a typo, where the parser can say which key is wrong and what is
 * valid. The JSON Schema still describes the exact shape for editors (the `meta` below).
 */
const coordinateMapping = z.record(z.string(), z.unknown()).meta({
  properties: {
    group: { type: "string", description: "groupId, e.g. com.example" },
    artifact: { type: "string", description: "artifactId, e.g. greeter_2.12" },
    version: { type: "string", description: 'version, e.g. "1.0.0" (quote it)' },
    classifier: { type: "string", description: "classifier, e.g. tests" },
  },
  required: ["group", "artifact", "version"],
  additionalProperties: false,
});
const coordinateString = z.string().meta({ pattern: "^\\s*[^:\\s]+:[^:\\s]+:[^:\\s]+(:[^:\\s]+)?\\s*$" });

const FIELDS = {
  packages: {
    schema: z.array(z.union([coordinateString, coordinateMapping])),
    description: 'Maven coordinates "group:artifact:version[:classifier]" or {group, artifact, version, classifier?}',
  },
  repositories: {
    schema: z.array(z.string()),
    description: "Maven-layout repositories (http, https or file URLs), searched in order",
  },
  precache: {
    schema: z.boolean(),
    description: "resolve the jars at build time (default true); false leaves it to Spark at startup",
  },
};

export function declareSparkSchema(schema: SchemaBuilder): void {
  // One field per key (not one object field) so core reports unknown keys with a did-you-mean.
  for (const [key, def] of Object.entries(FIELDS)) {
    schema.field({ path: `${SPARK_SECTION}.${key}`, section: SPARK_SECTION, schema: def.schema, description: def.description });
  }
}

export async function parseSparkSection(fields: SectionFields, ctx: ParseContext): Promise<SparkSection | undefined> {
  const raw = {
    packages: fields["spark.packages"] as Array<string | Record<string, unknown>> | undefined,
    repositories: fields["spark.repositories"] as string[] | undefined,
    precache: fields["spark.precache"] as boolean | undefined,
  };
  const precache = raw.precache ?? true;

  const repositories: string[] = [];
  for (const [i, url] of (raw.repositories ?? []).entries()) {
    const path = [SPARK_SECTION, "repositories", i];
    const site = { location: ctx.locate(path), field: formatPath(path) };
    const normalized = normalizeRepository(url, site);
    checkRepositoryHost(normalized, ctx.policy.indexHosts, site);
    if (!ctx.policy.allowOutsideFiles) await confineRepository(normalized, ctx.spec.dir, site);
    repositories.push(normalized);
  }

  const packages = (raw.packages ?? []).map((item, i): SparkPackage => {
    const path = [SPARK_SECTION, "packages", i];
    const site = { location: ctx.locate(path), field: formatPath(path) };
    const coordinate =
      typeof item === "string"
        ? parseCoordinate(item, site)
        : coordinateFromObject(item, { ...site, locateKey: (key) => ctx.locate([...path, key], true) });
    return { coordinate, text: formatCoordinate(coordinate), ...site };
  });

  checkOneVersionPerModule(packages);
  // A module the lock beside the definition pins (group:artifact) is not unpinned: the build fetches the lock's jars.
  const pinnedByLock = new Set((ctx.lock?.spark ?? []).map((j) => j.coordinate.split(":").slice(0, 2).join(":")));
  for (const p of packages) {
    const why = unpinnedReason(p.coordinate.version);
    if (why && !pinnedByLock.has(`${p.coordinate.group}:${p.coordinate.artifact}`)) {
      ctx.warn(
        "W_UNPINNED",
        `Spark package ${p.text} is not pinned: ${why}; every later build with this definition reuses whatever it resolved to first`,
        p.location,
        "pin an exact version (the build's lock records what it resolved to)",
      );
    }
    if (!precache) checkExpressibleAsSparkPackages(p);
  }
  return { packages, repositories, precache };
}

/** A classpath holds one version of a module: two versions of it in one definition cannot both apply. */
function checkOneVersionPerModule(packages: readonly SparkPackage[]): void {
  const byModule = new Map<string, SparkPackage[]>();
  for (const p of packages) {
    const key = moduleOf(p.coordinate);
    byModule.set(key, [...(byModule.get(key) ?? []), p]);
  }
  for (const [module, list] of byModule) {
    const versions = [...new Set(list.map((p) => p.coordinate.version))];
    if (versions.length < 2) continue;
    const second = list.find((p) => p.coordinate.version !== list[0]!.coordinate.version)!;
    throw createError("E_INVALID_VALUE", `spark.packages lists ${module} in ${versions.length} versions (${sortMavenVersions(versions).join(", ")}); a classpath holds only one`, {
      hint: `keep one version of ${module}`,
      location: second.location,
      field: second.field,
    });
  }
}

/** With precache off Spark reads `spark.jars.packages`, a comma-separated list of `g:a:v` only. */
function checkExpressibleAsSparkPackages(p: SparkPackage): void {
  const why =
    p.coordinate.classifier !== undefined
      ? "Spark's spark.jars.packages has no classifier form"
      : p.coordinate.version.includes(",")
        ? "Spark's spark.jars.packages is comma-separated, so it cannot hold a version range with a comma"
        : undefined;
  if (!why) return;
  throw createError("E_INVALID_COORDINATE", `Spark package ${p.text} cannot be left to Spark (precache: false): ${why}`, {
    hint: "set precache: true so envforge resolves the jars, or drop the classifier/range",
    location: p.location,
    field: p.field,
  });
}

export function canonicalizeSparkSection(section: SparkSection): SparkCanonical | undefined {
  // Without packages nothing is resolved and no setting has an effect: the section contributes
  // nothing, so `spark: {}` hashes like no spark section at all.
  if (section.packages.length === 0) return undefined;
  // Keys in order: the canonical text is then one native JSON.stringify (core's serializeCanonical).
  const canonical: SparkCanonical = {
    packages: canonicalSet(section.packages.map((p) => p.text)),
    precache: section.precache,
    repositories: frozenCopy(section.repositories),
  };
  // Frozen here (and its parts): nothing left for the engine to walk on the hot path of every hash.
  return Object.freeze(canonical);
}

/**
 * Reads a canonical section back from an untyped value (canonical JSON a host read from disk);
 * the plugin's own hooks get `SparkCanonical` typed (`SectionTypes`).
 */
export function readSparkCanonical(value: CanonicalValue | undefined): SparkCanonical | undefined {
  if (value === undefined || value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const v = value as Record<string, CanonicalValue>;
  const strings = (x: CanonicalValue | undefined) => (Array.isArray(x) ? x.filter((s): s is string => typeof s === "string") : []);
  return { packages: strings(v.packages), repositories: strings(v.repositories), precache: v.precache !== false };
}
