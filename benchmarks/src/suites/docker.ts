import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { bundledPlugins } from "@envforge/cli";
import { createEngine, type BuilderOptions, type Engine, type SpecSource } from "@envforge/core/plugin-kit";
import { repoRoot } from "../config.js";
import { dockerDaemon } from "../dockerd.js";
import { benchEngine } from "../envforge.js";
import { compareRuns } from "../harness.js";
import type { CaseResult } from "../model.js";
import { processMs } from "../wall-time.js";
import type { SuiteContext } from "./context.js";

const BASE = "envforge-bench-base:1";
const STEPS = ["ENV ENVFORGE_BENCH=1", "LABEL org.envforge.bench=cached", "WORKDIR /app"];
/** A base with python3, venv and pip: the pip-only rebuild needs one (no registry is reachable). */
const PYTHON_BASE = "envforge-bench-python:bookworm";
/** The root filesystem the docker tests make with debootstrap (test/support/base-image.ts). */
const ROOTFS = process.env.ENVFORGE_TEST_ROOTFS ?? path.join(os.tmpdir(), "envforge-test-rootfs.tar");
const EXAMPLE_WHEELS = path.join(repoRoot, "examples", "hello", "wheels");

export const DOCKER_CASE = { suite: "process", id: "process-docker", title: "Cached image build, whole process: envforge vs docker", unit: "ms" as const };
export const DOCKER_HIT_CASE = { suite: "process", id: "process-docker-hit", title: "Cached image build, in a host's process: engine.build vs docker's cached build", unit: "ms" as const };
export const DOCKER_PIP_CASE = { suite: "process", id: "process-docker-pip-rebuild", title: "Image rebuild after a change to the pip list only vs a full build of the same image", unit: "ms" as const };

/** A base image made here (no registry is needed): an almost empty root filesystem. */
async function ensureBase(dir: string, env: Record<string, string>): Promise<void> {
  const found = await execa("docker", ["image", "inspect", BASE], { env, reject: false });
  if (found.exitCode === 0) return;
  const root = path.join(dir, "rootfs");
  mkdirSync(path.join(root, "etc"), { recursive: true });
  writeFileSync(path.join(root, "etc", "envforge-bench"), "base\n");
  const tar = await execa("tar", ["-C", root, "-c", "."], { encoding: "buffer" });
  await execa("docker", ["import", "-", BASE], { env, input: tar.stdout });
}

/** The Debian base with python3 (imported from the docker tests' root filesystem), or why not. */
async function ensurePythonBase(env: Record<string, string>): Promise<string | undefined> {
  const found = await execa("docker", ["image", "inspect", PYTHON_BASE], { env, reject: false });
  if (found.exitCode === 0) return undefined;
  if (!existsSync(ROOTFS)) return `no python root filesystem at ${ROOTFS}: the docker tests make it (debootstrap), or set ENVFORGE_TEST_ROOTFS`;
  await execa("docker", ["import", "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", ROOTFS, PYTHON_BASE], { env, timeout: 600_000 });
  return undefined;
}

/**
 * The docker comparisons, against a Docker daemon (the one that answers, else a private one):
 * a cached image build as a whole `envforge` process and in a host's warm engine, each beside
 * docker's own fully cached rebuild of the same Dockerfile; and an image rebuilt after its pip
 * list changed (the layers below pip reused) beside a full build of that image.
 */
export async function dockerCases(ctx: SuiteContext, cli: string): Promise<CaseResult[]> {
  const all = [DOCKER_CASE, DOCKER_HIT_CASE, DOCKER_PIP_CASE];
  if (ctx.config.docker === "off") return all.map((c) => ({ ...c, rows: [], skipped: "disabled with --docker off" }));
  const daemon = await dockerDaemon(ctx.config.log);
  if ("unavailable" in daemon) return all.map((c) => ({ ...c, rows: [], skipped: daemon.unavailable }));
  try {
    const env: Record<string, string> = daemon.host ? { DOCKER_HOST: daemon.host } : {};
    const cached = await measureCached(ctx, cli, env, daemon.host);
    return [...cached, await measurePipRebuild(ctx, cli, env, daemon.host)];
  } finally {
    await daemon.stop();
  }
}

async function measureCached(ctx: SuiteContext, cli: string, env: Record<string, string>, host: string | undefined): Promise<CaseResult[]> {
  const dir = ctx.scratch("docker");
  await ensureBase(dir, env);
  const specFile = path.join(dir, "env.json");
  writeFileSync(specFile, JSON.stringify({ name: "bench-docker", docker: { baseImage: BASE, steps: STEPS } }, null, 2));
  const cacheDir = path.join(dir, "cache");
  // envforge builds the image in this daemon first (a private daemon is new each run).
  rmSync(cacheDir, { recursive: true, force: true });
  const envforgeArgs = [cli, "build", specFile, "--target", "docker", "--cache-dir", cacheDir, "--quiet"];
  const first = await execa(process.execPath, envforgeArgs, { env, reject: false, timeout: 600_000 });
  if (first.exitCode !== 0) {
    const skipped = `envforge could not build the image here: ${first.stderr.split("\n").slice(0, 3).join(" ")}`;
    return [DOCKER_CASE, DOCKER_HIT_CASE].map((c) => ({ ...c, rows: [], skipped }));
  }
  const context = path.join(dir, "context");
  mkdirSync(context, { recursive: true });
  writeFileSync(path.join(context, "Dockerfile"), `FROM ${BASE}\n${STEPS.join("\n")}\n`);
  const dockerArgs = ["build", "-q", "-t", "envforge-bench-docker:cached", context];
  await execa("docker", dockerArgs, { env, timeout: 600_000 });
  const runs = Math.min(ctx.config.processRuns, 11);
  const whole = await compareRuns(
    [
      { name: "envforge build --target docker (cached)", role: "envforge", run: () => processMs(process.execPath, envforgeArgs, env) },
      { name: "docker build (fully cached)", role: "peer", run: () => processMs("docker", dockerArgs, env) },
      { name: 'limit: node -e ""', role: "limit", run: () => processMs(process.execPath, ["-e", ""], env) },
    ],
    runs,
  );

  // What a host embedding envforge meets: `engine.build` of the definition file in its long-lived
  // engine (created as a host creates one: its plugins and cache, no CLI pipeline id, so no source
  // memo is written for a fresh process's quick path), which read the entry (and asked the daemon
  // for the image) on its first build.
  const builderOptions: BuilderOptions = host ? { docker: { host } } : {};
  const hostEngine = (): Engine => createEngine({ plugins: bundledPlugins(), cacheDir });
  const warm = hostEngine();
  const firstHit = await warm.build(specFile, { target: "docker", builderOptions });
  if (!firstHit.cached) throw new Error("docker benchmark: the engine rebuilt an image the CLI had just built");
  // A platform gets its users' definitions as text (its API, its database): the target's row. The
  // same from the file is beside it (its asynchronous read is most of that row's time).
  const text = readFileSync(specFile, "utf8");
  const BATCH = 50;
  const warmHit = (source: SpecSource) => async () => {
    const started = performance.now();
    for (let i = 0; i < BATCH; i++) {
      const result = await warm.build(source, { target: "docker", builderOptions });
      if (!result.cached) throw new Error("docker benchmark: a warm engine missed a built image");
    }
    return (performance.now() - started) / BATCH;
  };
  const freshEngineHit = async () => {
    const started = performance.now();
    const result = await hostEngine().build(specFile, { target: "docker", builderOptions });
    if (!result.cached) throw new Error("docker benchmark: a fresh engine missed a built image");
    return performance.now() - started;
  };
  const inProcess = await compareRuns(
    [
      { name: "engine.build of the definition's text, warm engine (the host's own)", role: "envforge", run: warmHit({ text, file: specFile }), note: `mean of ${BATCH} builds: parse, hash, the memory tier` },
      { name: "docker build (fully cached)", role: "peer", run: () => processMs("docker", dockerArgs, env) },
      { name: "engine.build of the definition file, warm engine", role: "info", run: warmHit(specFile), note: `mean of ${BATCH} builds: read the file, then as above` },
      { name: "engine.build, new engine each time", role: "info", run: freshEngineHit, note: "reads the entry and asks the daemon whether the image is still there (docker image inspect)" },
    ],
    runs,
  );
  const notes = [`base ${BASE} (imported here), steps: ${STEPS.join("; ")}`];
  return [
    { ...DOCKER_CASE, rows: whole, notes },
    { ...DOCKER_HIT_CASE, rows: inProcess, notes: [...notes, "envforge in the benchmark's own process: no Node start-up, the engine already created"] },
  ];
}

/**
 * An image whose definition changed only in its pip list: `engine.build` of a definition with a
 * never-seen pip requirement (a `!=0.0.N` clause: a new hash, the same wheels) reuses the layers
 * below pip (base, steps, the venv); beside it `docker build --no-cache` of that same image's
 * Dockerfile (`envforge dockerfile --context`), every layer built.
 */
async function measurePipRebuild(ctx: SuiteContext, cli: string, env: Record<string, string>, host: string | undefined): Promise<CaseResult> {
  const missing = await ensurePythonBase(env);
  if (missing) return { ...DOCKER_PIP_CASE, rows: [], skipped: missing };
  const dir = ctx.scratch("docker-pip");
  const cacheDir = path.join(dir, "cache");
  rmSync(cacheDir, { recursive: true, force: true });
  const builderOptions: BuilderOptions = { docker: { network: "none", ...(host ? { host } : {}) }, pip: { findLinks: [EXAMPLE_WHEELS], noIndex: true } };
  let round = 0;
  const definition = () => {
    const file = path.join(dir, `env-${++round}.yaml`);
    const lines = ["name: bench-pip", "python:", `  pip: ["envforge-hello==1.0.0,!=0.0.${round}", "envforge-greeting"]`, "docker:", `  baseImage: ${PYTHON_BASE}`, "  steps:", '    - RUN echo bench > /etc/envforge-bench-step'];
    writeFileSync(file, `${lines.join("\n")}\n`);
    return file;
  };
  const engine = benchEngine(cacheDir);
  // The lower layers are built once, by the first definition.
  await engine.build(definition(), { target: "docker", builderOptions });
  const pipOnly = async () => {
    const started = performance.now();
    const result = await engine.build(definition(), { target: "docker", builderOptions });
    if (result.cached) throw new Error("docker benchmark: a never-seen pip list hit the cache");
    return performance.now() - started;
  };
  const full = async () => {
    const context = path.join(dir, `context-${++round}`);
    const written = await execa(process.execPath, [cli, "dockerfile", definition(), "--context", context, "-o", `pip.findLinks=${EXAMPLE_WHEELS}`, "-o", "pip.noIndex=true"], { env, reject: false });
    if (written.exitCode !== 0) throw new Error(`envforge dockerfile failed: ${written.stderr}`);
    const ms = await processMs("docker", ["build", "-q", "--no-cache", "--network", "none", context], env);
    rmSync(context, { recursive: true, force: true });
    return ms;
  };
  const rows = await compareRuns(
    [
      { name: "envforge: rebuild after a pip-only change (engine.build)", role: "envforge", run: pipOnly, note: "base, steps and the venv layer from docker's layer cache" },
      { name: "docker build --no-cache of the same Dockerfile (full build)", role: "peer", run: full },
    ],
    ctx.config.smoke ? 1 : Math.min(ctx.config.processRuns, 3),
  );
  return { ...DOCKER_PIP_CASE, rows, notes: [`base ${PYTHON_BASE} (Debian bookworm with python3, imported here), one RUN step, pip: the example's two wheels`, "the full build's time excludes writing its context (envforge dockerfile --context)"] };
}
