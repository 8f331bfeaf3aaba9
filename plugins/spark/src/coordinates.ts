import { EnvforgeError, createError, didYouMean, type SourceLocation } from "@envforge/core/plugin-kit";

/** A Maven artifact as Spark packages name it. Every part is case-sensitive, as in a repository path. */
export interface MavenCoordinate {
  group: string;
  artifact: string;
  version: string;
  classifier?: string | undefined;
}

/** Where a coordinate was written, for errors. */
export interface CoordinateSite {
  location?: SourceLocation | undefined;
  field?: string | undefined;
  /** Where a key of the mapping form was written (for unknown keys). */
  locateKey?: ((key: string) => SourceLocation) | undefined;
}

const MAPPING_KEYS = ["group", "artifact", "version", "classifier"] as const;

export const COORDINATE_FORMS =
  'write "group:artifact:version" or "group:artifact:version:classifier" (e.g. "com.example:greeter:1.0.0"), ' +
  "or a mapping {group, artifact, version, classifier?}";

/** Maven's own rule for groupId/artifactId (the `id` pattern of its model validator). */
const ID = /^[A-Za-z0-9_.-]+$/;
/**
 * Versions: the characters of Maven versions, Ivy dynamic revisions (`1.+`, `latest.release`) and
 * version ranges (`[1.0,2.0)`, `]1.0,2.0[`). Anything else (spaces, `$`, `/`, `:`) would change
 * a repository path or a property expansion, never name a version.
 */
const VERSION = /^[A-Za-z0-9_.+\-[\](),]+$/;
const RANGE = /^[[\]()].*[[\]()]$/;

function refuse(text: string, why: string, site: CoordinateSite): EnvforgeError {
  return createError("E_INVALID_COORDINATE", `invalid Maven coordinate ${JSON.stringify(text)}: ${why}`, {
    hint: COORDINATE_FORMS,
    location: site.location,
    field: site.field,
  });
}

function checkPart(name: keyof MavenCoordinate, value: string, text: string, site: CoordinateSite): void {
  if (value === "") throw refuse(text, `the ${name} is empty`, site);
  const ok = name === "version" ? VERSION.test(value) : ID.test(value);
  if (!ok) {
    const allowed = name === "version" ? "letters, digits and . - _ + [ ] ( ) ," : "letters, digits and . - _";
    throw refuse(text, `the ${name} "${value}" may only hold ${allowed}`, site);
  }
  if (name === "version" && value.includes(",") && !RANGE.test(value)) {
    throw refuse(text, `the version "${value}" has a comma but is not a range such as [1.0,2.0)`, site);
  }
}

/** Parses `group:artifact:version[:classifier]`. Surrounding whitespace is ignored, inner whitespace is not. */
export function parseCoordinate(text: string, site: CoordinateSite = {}): MavenCoordinate {
  const trimmed = text.trim();
  if (trimmed === "") throw refuse(text, "it is empty", site);
  const parts = trimmed.split(":");
  if (parts.length < 3) throw refuse(text, `expected at least 3 parts separated by ":", got ${parts.length}`, site);
  if (parts.length > 4) throw refuse(text, `expected at most 4 parts separated by ":", got ${parts.length}`, site);
  const [group = "", artifact = "", version = "", classifier] = parts;
  checkPart("group", group, text, site);
  checkPart("artifact", artifact, text, site);
  checkPart("version", version, text, site);
  if (classifier !== undefined) checkPart("classifier", classifier, text, site);
  return classifier === undefined ? { group, artifact, version } : { group, artifact, version, classifier };
}

/** Checks the mapping form; values are trimmed like the string form. */
export function coordinateFromObject(value: Record<string, unknown>, site: CoordinateSite = {}): MavenCoordinate {
  const text = JSON.stringify(value);
  for (const key of Object.keys(value)) {
    if ((MAPPING_KEYS as readonly string[]).includes(key)) continue;
    const guess = didYouMean(key, MAPPING_KEYS);
    throw createError("E_UNKNOWN_KEY", `unknown key "${key}" in a Spark package${guess ? `; did you mean "${guess}"?` : ""}`, {
      hint: `a package mapping has the keys ${MAPPING_KEYS.join(", ")} (classifier optional)`,
      location: site.locateKey?.(key) ?? site.location,
      field: site.field === undefined ? undefined : `${site.field}.${key}`,
    });
  }
  const part = (name: keyof MavenCoordinate, required: boolean): string | undefined => {
    const raw = value[name];
    if (raw === undefined && !required) return undefined;
    if (raw === undefined) throw refuse(text, `the ${name} is missing`, site);
    if (typeof raw !== "string") {
      throw refuse(text, `the ${name} must be a string, got ${typeof raw}${typeof raw === "number" ? ' (quote it: YAML reads 1.10 as the number 1.1)' : ""}`, site);
    }
    const trimmed = raw.trim();
    checkPart(name, trimmed, text, site);
    return trimmed;
  };
  const group = part("group", true)!;
  const artifact = part("artifact", true)!;
  const version = part("version", true)!;
  const classifier = part("classifier", false);
  return classifier === undefined ? { group, artifact, version } : { group, artifact, version, classifier };
}

/** The canonical string form, `group:artifact:version[:classifier]`. */
export function formatCoordinate(c: MavenCoordinate): string {
  // Joined, a flat string: the canonical set sorts and writes it next, and a rope is flattened first.
  const parts = [c.group, c.artifact, c.version];
  if (c.classifier !== undefined) parts.push(c.classifier);
  return parts.join(":");
}

/** `group:artifact`: the module, whatever its version. */
export function moduleOf(c: Pick<MavenCoordinate, "group" | "artifact">): string {
  return `${c.group}:${c.artifact}`;
}

/**
 * Why a version is not pinned, or `undefined` when it names one fixed release. Dynamic versions
 * resolve to whatever the repository holds on the day of the build (the seed's reproducibility
 * trap); SNAPSHOTs are republished under the same name.
 */
export function unpinnedReason(version: string): string | undefined {
  if (/^latest\./i.test(version)) return "it is an Ivy dynamic revision (resolves to the newest matching release)";
  if (version === "LATEST" || version === "RELEASE") return "it is a Maven meta-version (resolves to the newest release)";
  if (/^[[\]()]/.test(version) && /[[\]()]$/.test(version)) return "it is a version range";
  if (version.endsWith("+")) return "it is an Ivy sub-revision pattern (resolves to the newest match)";
  if (/-SNAPSHOT$/i.test(version)) return "it is a SNAPSHOT (republished under the same version)";
  return undefined;
}
