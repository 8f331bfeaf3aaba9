/**
 * `envforge build --dry-run`: the engine's resolve and lookup stages alone, on a read-only engine
 * (`EngineOptions.readOnly`: no source memo, no seal written back, no backfill, no registry pull,
 * no build), and no registration. Says whether the build would hit and which store would answer;
 * on a miss, what would be built: the target's builder, the canonical sections, and the
 * Dockerfile (image targets) or pip requirements (venv) it would run from.
 */
import { createError, type BuilderOptions, type CanonicalSpec, type CanonicalValue, type Engine, type ParsedSpec } from "@envforge/core/plugin-kit";
import { renderDockerfile } from "@envforge/image";
import { DOCKER_TARGET } from "@envforge/plugin-docker";
import { PODMAN_TARGET } from "@envforge/plugin-podman";
import { VENV_TARGET } from "@envforge/plugin-pip";
import { pipInstallFiles } from "@envforge/python";
import type { Workspace } from "@envforge/workspace";

export interface DryRunReport {
  dryRun: true;
  hash: string;
  target: string;
  /** Whether a build would be answered from a cache (false with --rebuild). */
  hit: boolean;
  /** The store that would answer: memory, local, docker-daemon, podman-storage, registry… */
  store?: string | undefined;
  generation?: number | undefined;
  artifact?: string | undefined;
  /** The lookup taps asked for this target, in order. */
  storesAsked: string[];
  /** On a miss: what the build would run. */
  build?: BuildPlan | undefined;
  environment?: { name: string; version: string } | undefined;
}

export interface BuildPlan {
  /** The plugins tapping `build` for the target: the first that answers builds. */
  builder: string[];
  canonical: Record<string, CanonicalValue>;
  canonicalText: string;
  /** Image targets: the generated Dockerfile and the files of its build context. */
  dockerfile?: string | undefined;
  contextFiles?: string[] | undefined;
  /** venv: what pip installs from. */
  requirements?: string | undefined;
  constraints?: string | undefined;
}

const IMAGE_TARGETS = new Set([DOCKER_TARGET, PODMAN_TARGET]);

export async function dryRun(
  workspace: Workspace,
  ref: string,
  request: { target: string; rebuild?: boolean | undefined; pythonOnly?: boolean | undefined; builderOptions: BuilderOptions },
): Promise<DryRunReport> {
  const engine = workspace.engine;
  if (!engine.options.readOnly) throw new Error("a dry run needs a read-only engine");
  return workspace.withSource(ref, async (source, resolved) => {
    const { parsed, result } = await engine.resolve(source);
    // Refused as a build refuses it: before anything is looked up.
    engine.checkTarget({ parsed, result }, request);
    const hit = request.rebuild ? undefined : await engine.lookup(result.hash, request.target, result.canonical);
    const report: DryRunReport = { dryRun: true, hash: result.hash, target: request.target, hit: hit !== undefined, storesAsked: storesAsked(engine, request.target) };
    if (resolved.kind === "registry") report.environment = { name: resolved.record.name, version: resolved.record.version };
    if (hit) {
      report.store = hit.store;
      report.generation = hit.entry.generation;
      report.artifact = hit.entry.artifact.path ?? hit.entry.artifact.reference ?? hit.entry.artifact.kind;
      return report;
    }
    report.build = await buildPlan(engine, parsed, result, request.target, request.builderOptions);
    return report;
  });
}

function storesAsked(engine: Engine, target: string): string[] {
  // Per-target stores are tapped as `<target>:<store>`; another target's never answers this one.
  return engine.hooks.lookup.taps.map((t) => t.name).filter((name) => !/^[a-z0-9._-]+:/i.test(name) || name.startsWith("envforge:") || name.startsWith(`${target}:`));
}

async function buildPlan(
  engine: Engine,
  parsed: ParsedSpec,
  result: { canonical: CanonicalSpec; canonicalText: string },
  target: string,
  builderOptions: BuilderOptions,
): Promise<BuildPlan> {
  const builder = engine.hooks.build.get(target)?.taps.map((t) => t.name) ?? [];
  if (builder.length === 0) {
    throw createError("E_NO_BUILDER", `no loaded plugin builds the target "${target}"`, { hint: "targets of the bundled plugins: venv, conda, spark, docker, podman" });
  }
  const plan: BuildPlan = { builder, canonical: { ...result.canonical.sections }, canonicalText: result.canonicalText };
  if (IMAGE_TARGETS.has(target)) {
    // Offline, as `envforge dockerfile`: a dry run resolves nothing on the network (Spark packages
    // are then left to Spark, and the Dockerfile says so in its labels).
    const rendered = await renderDockerfile(engine, parsed, { builderOptions, offline: true, onEvent: (event) => engine.emit(event) });
    plan.dockerfile = rendered.image.dockerfile;
    plan.contextFiles = [...Object.keys(rendered.image.files), ...Object.keys(rendered.image.folders)].sort();
  } else if (target === VENV_TARGET && result.canonical.sections.pip !== undefined) {
    const files = pipInstallFiles(result.canonical.sections.pip);
    plan.requirements = files.requirements;
    plan.constraints = files.constraints;
  }
  return plan;
}

/** The report as `envforge build` prints its summary: key: value lines, then what a miss would build. */
export function dryRunSummary(report: DryRunReport): string {
  const lines = [`hash: ${report.hash}`, `target: ${report.target}`];
  if (report.hit) {
    lines.push(`status: would hit (${report.store}, generation ${report.generation})`, `artifact: ${report.artifact}`);
  } else {
    lines.push(`status: would build (a miss in: ${report.storesAsked.join(", ") || "no store"})`);
  }
  if (report.environment) lines.push(`environment: ${report.environment.name}@${report.environment.version}`);
  const plan = report.build;
  if (!plan) return lines.join("\n");
  lines.push(`builder: ${plan.builder.join(", ")}`, "canonical:");
  for (const [section, value] of Object.entries(plan.canonical)) lines.push(`  ${section}: ${JSON.stringify(value)}`);
  const block = (title: string, text: string) => lines.push(`${title}:`, ...text.replace(/\n$/, "").split("\n").map((l) => `  ${l}`));
  if (plan.dockerfile !== undefined) {
    block("Dockerfile", plan.dockerfile);
    if (plan.contextFiles?.length) lines.push(`build context: ${plan.contextFiles.join(", ")}`);
  }
  if (plan.requirements !== undefined) block("requirements.txt", plan.requirements);
  if (plan.constraints !== undefined) block("constraints.txt", plan.constraints);
  return lines.join("\n");
}
