import type { CacheEntry, CanonicalSpec, Engine, ParsedSpec, SourceLocation, SpecSource } from "@envforge/core/plugin-kit";
import { defaultTarget, definitionLock, latestEntry, lockCovers, packageKey, resolvedSet, type Ecosystem } from "./check-resolved.js";

export type FindingKind = "unpinned-package" | "unpinned-nested-package" | "base-image-without-digest" | "dockerfile-base-without-digest" | "no-lock";

export interface Finding {
  kind: FindingKind;
  message: string;
  /** Points taken off the score of 100. */
  penalty: number;
  hint: string;
  location?: SourceLocation | undefined;
  ecosystem?: string | undefined;
  name?: string | undefined;
}

export interface ReproducibilityReport {
  /** 0–100: 100 is a definition whose hash can only ever mean one build. */
  score: number;
  threshold?: number | undefined;
  /** `score >= threshold` (true without a threshold). CI fails the job when false. */
  passed: boolean;
  findings: Finding[];
  /** Every package: those the definition lists, and the nested ones its lock or build resolved. */
  packages: { total: number; pinned: number; nested: number };
  /** The target whose build was read (`--target`, else the definition's default target). */
  target?: string | undefined;
  /** The build whose resolved set was considered, if one was found. */
  lockFrom?: { target: string; generation: number } | undefined;
  /** What the definition's lock file (`env.lock`) pins whole, when it has one. */
  lockFile?: { covers: string[] } | undefined;
}

export interface CheckOptions {
  /** A build of the definition; its lock records what unpinned and nested packages resolved to. */
  entry?: CacheEntry | undefined;
  /** The target the build is of (reported; default `entry.target`). */
  target?: string | undefined;
  /** Fail (`passed: false`) below this score. */
  threshold?: number | undefined;
}

/**
 * The penalties, chosen so that each kind of problem alone keeps a definition out of the 90s and
 * a handful of unpinned packages cannot outweigh a moving base image.
 */
export const PENALTY = { unpinnedPackage: 10, unpinnedPackagesMax: 50, baseImage: 25, noLock: 15 } as const;

interface Located {
  name?: string | undefined;
  pinned: boolean;
  written: string;
  location?: SourceLocation | undefined;
}

/**
 * Scores a parsed definition. Uses each plugin's own judgement of "pinned" where it gives one; a
 * lock file pins every package of the sections it covers (full marks when it covers them all),
 * and the build's resolved set adds the nested packages nothing else pins.
 */
export function checkReproducibility(parsed: ParsedSpec, canonical: CanonicalSpec, options: CheckOptions = {}): ReproducibilityReport {
  const findings: Finding[] = [];
  const lock = definitionLock(parsed);
  const covers = lockCovers(lock);
  const listed = [...pipPackages(parsed), ...condaPackages(parsed), ...sparkPackages(parsed)].map((p) => ({
    ...p,
    pinned: p.pinned || covers.ecosystems.has(p.ecosystem as Ecosystem),
  }));
  const listedKeys = new Set(listed.filter((p) => p.name !== undefined).map((p) => packageKey(p.ecosystem, p.name!)));
  const constrained = new Set(pipConstraintPins(parsed).map((n) => packageKey("pip", n)));
  const nested = resolvedSet(lock, options.entry)
    .filter((p) => !listedKeys.has(packageKey(p.ecosystem, p.name)))
    .map((p) => ({ ...p, pinned: covers.ecosystems.has(p.ecosystem) || constrained.has(packageKey(p.ecosystem, p.name)) }));

  let unpinnedPenalty = 0;
  const penalty = () => {
    const n = Math.min(PENALTY.unpinnedPackage, PENALTY.unpinnedPackagesMax - unpinnedPenalty);
    unpinnedPenalty += n;
    return n;
  };
  for (const p of listed.filter((x) => !x.pinned)) {
    findings.push({
      kind: "unpinned-package",
      ecosystem: p.ecosystem,
      name: p.name,
      message: `${p.ecosystem} package "${p.written}" is not pinned to one version`,
      penalty: penalty(),
      location: p.location,
      hint:
        p.ecosystem === "maven"
          ? "name one released version (no range, SNAPSHOT, latest or release)"
          : "pin it (envforge pin rewrites the definition with the versions its last build resolved), or lock it (envforge lock)",
    });
  }
  for (const p of nested.filter((x) => !x.pinned)) {
    findings.push({
      kind: "unpinned-nested-package",
      ecosystem: p.ecosystem,
      name: p.name,
      message: `${p.ecosystem} package "${p.name}" (${p.version} in the ${p.from} build) came in as a dependency and nothing pins it: a rebuild can move it`,
      penalty: penalty(),
      hint: "lock the definition (envforge lock writes a lock that pins every package, nested ones too)",
    });
  }
  findings.push(...baseImageFindings(canonical, covers.image));
  const total = listed.length + nested.length;
  if (listed.length > 0 && lock === undefined && !options.entry?.lock?.packages.length) {
    const target = options.target ?? options.entry?.target;
    findings.push({
      kind: "no-lock",
      message: options.entry
        ? `the ${options.entry.target} build found records no lock`
        : `no ${target ? `${target} ` : ""}build of this definition was found, and it has no lock, so nothing records what its packages resolve to`,
      penalty: PENALTY.noLock,
      hint: `lock it (envforge lock writes the lock beside the definition), or build it once${target ? ` (--target ${target})` : ""}: every build records what it installed`,
    });
  }
  const score = Math.max(0, 100 - findings.reduce((n, f) => n + f.penalty, 0));
  return {
    score,
    threshold: options.threshold,
    passed: options.threshold === undefined || score >= options.threshold,
    findings,
    packages: { total, pinned: listed.filter((p) => p.pinned).length + nested.filter((p) => p.pinned).length, nested: nested.length },
    target: options.target ?? options.entry?.target,
    lockFrom: options.entry ? { target: options.entry.target, generation: options.entry.generation } : undefined,
    lockFile: lock ? { covers: [...covers.ecosystems, ...(covers.image ? ["image"] : [])] } : undefined,
  };
}

/**
 * Reads and scores a definition for one target: `target`, else the definition's default target
 * (check-resolved.ts). Without `entry`, that target's current build of the hash supplies the
 * resolved set — never another target's build.
 */
export async function check(
  engine: Engine,
  source: SpecSource | ParsedSpec,
  options: CheckOptions = {},
): Promise<ReproducibilityReport> {
  const { parsed, result } = await engine.resolve(source);
  const target = options.target ?? options.entry?.target ?? defaultTarget(engine, parsed, result.canonical);
  const entry = options.entry ?? (await latestEntry(engine, result.hash, target));
  return checkReproducibility(parsed, result.canonical, { ...options, entry, target });
}

/** Names a pip constraint pins to one version: they pin the nested package of that name too. */
function pipConstraintPins(parsed: ParsedSpec): string[] {
  const pip = parsed.sections.pip as { constraints?: Located[] } | undefined;
  return (pip?.constraints ?? []).filter((c) => c.pinned && c.name).map((c) => c.name!);
}

function pipPackages(parsed: ParsedSpec): Array<Located & { ecosystem: string }> {
  const pip = parsed.sections.pip as { requirements?: Located[]; constraints?: Located[] } | undefined;
  // A constraint pinning a package pins what the requirement installs.
  const pinnedBy = new Set((pip?.constraints ?? []).filter((c) => c.pinned && c.name).map((c) => c.name));
  return (pip?.requirements ?? []).map((r) => ({
    ecosystem: "pip",
    name: r.name,
    pinned: r.pinned || (r.name !== undefined && pinnedBy.has(r.name)),
    written: r.written,
    location: r.location,
  }));
}

/** The parts of the conda plugin's MatchSpec that say how exact it is. */
export interface CondaSpecLike {
  name: string;
  version?: string | undefined;
  url?: string | undefined;
  extra?: Record<string, string> | undefined;
}

/**
 * One exact version (or one file). Stricter than the conda plugin's `pinned`, which is content
 * with an upper bound (`numpy=1.26` is `1.26.*`: it warns less, but 1.26.5 can still arrive).
 */
export function condaExact(spec: CondaSpecLike): boolean {
  if (spec.url !== undefined || spec.extra?.md5 !== undefined || spec.extra?.sha256 !== undefined) return true;
  return spec.version !== undefined && /^==[^*,|]+$/.test(spec.version);
}

function condaPackages(parsed: ParsedSpec): Array<Located & { ecosystem: string }> {
  const conda = parsed.sections.conda as { dependencies?: Array<{ spec: CondaSpecLike; text: string; location?: SourceLocation }> } | undefined;
  return (conda?.dependencies ?? []).map((d) => ({ ecosystem: "conda", name: d.spec.name, pinned: condaExact(d.spec), written: d.text, location: d.location }));
}

const MAVEN_MOVING = /[[\](),]|SNAPSHOT$|^latest\.|^release$|^latest$/i;

function sparkPackages(parsed: ParsedSpec): Array<Located & { ecosystem: string }> {
  const spark = parsed.sections.spark as { packages?: Array<{ coordinate: { version: string }; text: string; location?: SourceLocation }> } | undefined;
  return (spark?.packages ?? []).map((p) => ({
    ecosystem: "maven",
    name: p.text,
    pinned: !MAVEN_MOVING.test(p.coordinate.version),
    written: p.text,
    location: p.location,
  }));
}

function baseImageFindings(canonical: CanonicalSpec, locked: boolean): Finding[] {
  const docker = canonical.sections.docker as { base?: { image?: string; dockerfile?: string } } | undefined;
  if (locked) return []; // the lock pins the base to its digest
  const hint = "name the image by digest, e.g. python:3.11-slim@sha256:<digest> (docker buildx imagetools inspect shows it)";
  if (docker?.base?.image !== undefined) {
    if (docker.base.image.includes("@sha256:")) return [];
    return [{ kind: "base-image-without-digest", message: `the base image ${docker.base.image} has no digest: the tag can move`, penalty: PENALTY.baseImage, hint }];
  }
  if (docker?.base?.dockerfile === undefined) return [];
  const moving = unpinnedFromLines(docker.base.dockerfile);
  if (moving.length === 0) return [];
  return [
    {
      kind: "dockerfile-base-without-digest",
      message: `the base Dockerfile starts from ${moving.map((m) => `"${m}"`).join(", ")} without a digest: the tag can move`,
      penalty: PENALTY.baseImage,
      hint,
    },
  ];
}

/** FROM images without a digest; earlier stages, `scratch` and pinned references are fine. */
export function unpinnedFromLines(dockerfile: string): string[] {
  const stages = new Set<string>();
  const moving: string[] = [];
  for (const line of dockerfile.split("\n")) {
    const m = /^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?\s*$/i.exec(line);
    if (!m) continue;
    const image = m[1]!;
    const earlierStage = stages.has(image.toLowerCase());
    if (m[2]) stages.add(m[2].toLowerCase());
    if (image.toLowerCase() === "scratch" || earlierStage) continue;
    if (!/@sha256:[0-9a-f]{64}$/i.test(image)) moving.push(image);
  }
  return moving;
}
