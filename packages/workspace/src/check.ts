import type { CacheEntry, CanonicalSpec, Engine, ParsedSpec, SourceLocation, SpecSource } from "@envforge/core/plugin-kit";

export type FindingKind = "unpinned-package" | "base-image-without-digest" | "dockerfile-base-without-digest" | "no-lock";

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
  packages: { total: number; pinned: number };
  /** The lock that was considered, if a build of the definition was found. */
  lockFrom?: { target: string; generation: number } | undefined;
}

export interface CheckOptions {
  /** A build of the definition; its lock records what unpinned packages resolved to. */
  entry?: CacheEntry | undefined;
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

/** Scores a parsed definition. Uses each plugin's own judgement of "pinned" where it gives one. */
export function checkReproducibility(parsed: ParsedSpec, canonical: CanonicalSpec, options: CheckOptions = {}): ReproducibilityReport {
  const findings: Finding[] = [];
  const packages = [...pipPackages(parsed), ...condaPackages(parsed), ...sparkPackages(parsed)];
  let unpinnedPenalty = 0;
  for (const p of packages.filter((x) => !x.pinned)) {
    const penalty = Math.min(PENALTY.unpinnedPackage, PENALTY.unpinnedPackagesMax - unpinnedPenalty);
    unpinnedPenalty += penalty;
    findings.push({
      kind: "unpinned-package",
      ecosystem: p.ecosystem,
      name: p.name,
      message: `${p.ecosystem} package "${p.written}" is not pinned to one version`,
      penalty,
      location: p.location,
      hint:
        p.ecosystem === "maven"
          ? "name one released version (no range, SNAPSHOT, latest or release)"
          : "pin it (envforge pin rewrites the definition with the versions its last build resolved)",
    });
  }
  findings.push(...baseImageFindings(canonical));
  if (packages.length > 0 && !options.entry?.lock?.packages.length) {
    findings.push({
      kind: "no-lock",
      message: options.entry ? "the build found records no lock" : "no build of this definition was found, so nothing records what its packages resolved to",
      penalty: PENALTY.noLock,
      hint: "build it once: every build records the versions it installed (its lock)",
    });
  }
  const score = Math.max(0, 100 - findings.reduce((n, f) => n + f.penalty, 0));
  return {
    score,
    threshold: options.threshold,
    passed: options.threshold === undefined || score >= options.threshold,
    findings,
    packages: { total: packages.length, pinned: packages.filter((p) => p.pinned).length },
    lockFrom: options.entry ? { target: options.entry.target, generation: options.entry.generation } : undefined,
  };
}

/**
 * Reads and scores a definition. Without `entry`, the newest local build of its hash (any target,
 * or `target`) supplies the lock.
 */
export async function check(
  engine: Engine,
  source: SpecSource | ParsedSpec,
  options: CheckOptions & { target?: string | undefined } = {},
): Promise<ReproducibilityReport> {
  const { parsed, result } = await engine.resolve(source);
  let entry = options.entry;
  if (!entry) {
    const builds = options.target
      ? [(await engine.cache.local.get({ hash: result.hash, target: options.target })).entry].filter((e) => e !== undefined)
      : (await engine.cache.local.list()).filter((e) => e.hash === result.hash);
    entry = builds.sort((a, b) => b.timings.finishedAt.localeCompare(a.timings.finishedAt))[0];
  }
  return checkReproducibility(parsed, result.canonical, { ...options, entry });
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

function baseImageFindings(canonical: CanonicalSpec): Finding[] {
  const docker = canonical.sections.docker as { base?: { image?: string; dockerfile?: string } } | undefined;
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
