import type { XMLParser } from "fast-xml-parser";
import { ROOT_MODULE, ROOT_ORGANISATION } from "./ivy-files.js";
import { MavenVersion } from "./maven-version.js";

/** Who asked for a module, and for which version (the constraint as written in their POM). */
export interface IvyCaller {
  organisation: string;
  name: string;
  /** The caller's own version. */
  callerRev: string;
  /** The version the caller asked for. */
  rev: string;
}

export interface IvyArtifact {
  name: string;
  type: string;
  ext: string;
  classifier?: string | undefined;
  /** `successful`, `no` (already in the cache), `failed`… */
  status: string;
  details: string;
  /** The file in Ivy's cache. */
  location?: string | undefined;
  /** Where it was downloaded from. */
  origin?: string | undefined;
}

export interface IvyRevision {
  name: string;
  /** The conflict manager that evicted this revision, when it was evicted. */
  evicted?: string | undefined;
  evictedBy: string[];
  /** Why the module could not be resolved (`not found`), when it could not. */
  error?: string | undefined;
  callers: IvyCaller[];
  artifacts: IvyArtifact[];
}

export interface IvyModule {
  organisation: string;
  name: string;
  revisions: IvyRevision[];
}

/** Ivy's resolve report (the XML it writes per configuration into its resolution cache). */
export interface IvyReport {
  modules: IvyModule[];
}

/** The XML parser (fast-xml-parser and its helpers, about 80 KB) is loaded by the first report read, not by the plugin. */
let parser: Promise<XMLParser> | undefined;
const xmlParser = (): Promise<XMLParser> =>
  (parser ??= import("fast-xml-parser").then(
    ({ XMLParser }) =>
      new XMLParser({
        ignoreAttributes: false,
        attributeNamePrefix: "",
        parseAttributeValue: false,
        parseTagValue: false,
        isArray: (name) => ["module", "revision", "caller", "artifact", "evicted-by"].includes(name),
      }),
  ));

type Node = Record<string, unknown>;
const list = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : []);
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const opt = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Ivy writes extra attributes such as Maven's classifier as `extra-<n>.m.classifier` or `m:classifier`. */
function classifierOf(node: Node): string | undefined {
  for (const [key, value] of Object.entries(node)) if (/(^|[.:])classifier$/.test(key)) return opt(value);
  return undefined;
}

export async function parseIvyReport(xml: string): Promise<IvyReport> {
  const doc = (await xmlParser()).parse(xml) as Node;
  const report = (doc["ivy-report"] ?? {}) as Node;
  const dependencies = (report.dependencies ?? {}) as Node;
  return {
    modules: list(dependencies.module).map((m) => ({
      organisation: str(m.organisation),
      name: str(m.name),
      revisions: list(m.revision).map((r) => ({
        name: str(r.name),
        evicted: opt(r.evicted),
        evictedBy: list(r["evicted-by"]).map((e) => str(e.rev)),
        error: opt(r.error),
        callers: list(r.caller).map((c) => ({
          organisation: str(c.organisation),
          name: str(c.name),
          callerRev: str(c.callerrev),
          rev: str(c.rev),
        })),
        artifacts: list((r.artifacts as Node | undefined)?.artifact).map((a) => ({
          name: str(a.name),
          type: str(a.type),
          ext: str(a.ext),
          classifier: classifierOf(a),
          status: str(a.status),
          details: str(a.details),
          location: opt(a.location),
          origin: opt((a["origin-location"] as Node | undefined)?.location),
        })),
      })),
    })),
  };
}

export function isRoot(c: Pick<IvyCaller, "organisation" | "name">): boolean {
  return c.organisation === ROOT_ORGANISATION && c.name === ROOT_MODULE;
}

/** `group:artifact:version`, or "spark.packages" for the definition itself. */
export function describeCaller(c: IvyCaller): string {
  return isRoot(c) ? "spark.packages" : `${c.organisation}:${c.name}:${c.callerRev}`;
}

/** One jar on the resolved classpath. */
export interface ResolvedArtifact {
  organisation: string;
  module: string;
  revision: string;
  artifact: IvyArtifact;
}

/** Every artifact of every revision Ivy kept (not evicted, not failed). */
export function resolvedArtifacts(report: IvyReport): ResolvedArtifact[] {
  const out: ResolvedArtifact[] = [];
  for (const m of report.modules) {
    for (const r of m.revisions) {
      if (r.evicted || r.error) continue;
      for (const a of r.artifacts) {
        if (a.status === "failed") continue;
        out.push({ organisation: m.organisation, module: m.name, revision: r.name, artifact: a });
      }
    }
  }
  return out;
}

/** Something Ivy could not find: a whole module (no POM) or one artifact of it (no jar). */
export interface ResolveFailure {
  /** `group:artifact:version[:classifier]`. */
  coordinate: string;
  kind: "module" | "artifact";
  reason: string;
  /** Who needed it (`spark.packages` for a package listed in the definition). */
  neededBy: string[];
}

export function resolveFailures(report: IvyReport): ResolveFailure[] {
  const out: ResolveFailure[] = [];
  for (const m of report.modules) {
    for (const r of m.revisions) {
      const base = `${m.organisation}:${m.name}:${r.name}`;
      const neededBy = r.callers.map(describeCaller);
      if (r.error) out.push({ coordinate: base, kind: "module", reason: r.error, neededBy });
      for (const a of r.artifacts) {
        if (a.status !== "failed") continue;
        const coordinate = a.classifier ? `${base}:${a.classifier}` : base;
        out.push({ coordinate, kind: "artifact", reason: a.details || "download failed", neededBy });
      }
    }
  }
  return out;
}

/** A module asked for in several versions, and the one Ivy put on the classpath. */
export interface VersionConflict {
  /** `group:artifact`. */
  module: string;
  selected: string;
  evicted: Array<{ version: string; wantedBy: string[] }>;
  /** True when Maven orders an evicted version above the selected one (Ivy's order differs from Maven's). */
  downgrade: boolean;
}

export function versionConflicts(report: IvyReport): VersionConflict[] {
  const out: VersionConflict[] = [];
  for (const m of report.modules) {
    const evicted = m.revisions.filter((r) => r.evicted);
    const kept = m.revisions.filter((r) => !r.evicted && !r.error);
    if (evicted.length === 0 || kept.length === 0) continue;
    const selected = kept[0]!.name;
    const chosen = new MavenVersion(selected);
    out.push({
      module: `${m.organisation}:${m.name}`,
      selected,
      evicted: evicted
        .map((r) => ({ version: r.name, wantedBy: r.callers.map(describeCaller) }))
        .sort((a, b) => new MavenVersion(a.version).compareTo(new MavenVersion(b.version))),
      downgrade: evicted.some((r) => new MavenVersion(r.name).compareTo(chosen) > 0),
    });
  }
  return out.sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : 0));
}

/** One line per conflict, for the warning and the build log. */
export function describeConflict(c: VersionConflict): string {
  const evicted = c.evicted.map((e) => `${e.version} (wanted by ${e.wantedBy.join(", ") || "?"})`).join(", ");
  const direct = c.evicted.some((e) => e.wantedBy.includes("spark.packages"));
  let line = `${c.module}: ${c.selected} is used; evicted ${evicted}`;
  if (direct) line += "; a version listed in spark.packages was overridden by a newer transitive one";
  if (c.downgrade) line += `; note Maven orders an evicted version above ${c.selected}`;
  return line;
}
