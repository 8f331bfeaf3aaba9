import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { dockerDaemon } from "../dockerd.js";
import { compareRuns } from "../harness.js";
import type { CaseResult } from "../model.js";
import type { SuiteContext } from "./context.js";

const BASE = "envforge-bench-base:1";
const STEPS = ["ENV ENVFORGE_BENCH=1", "LABEL org.envforge.bench=cached", "WORKDIR /app"];

const CASE = { suite: "process", id: "process-docker", title: "Cached image build, whole process: envforge vs docker", unit: "ms" as const };

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

/**
 * `envforge build --target docker` of an environment whose image is cached, against docker's own
 * fully cached rebuild of the same Dockerfile, each as a whole process. Needs a Docker daemon.
 */
export async function dockerCase(ctx: SuiteContext, cli: string): Promise<CaseResult> {
  if (ctx.config.docker === "off") return { ...CASE, rows: [], skipped: "disabled with --docker off" };
  const daemon = await dockerDaemon(ctx.config.log);
  if ("unavailable" in daemon) return { ...CASE, rows: [], skipped: daemon.unavailable };
  try {
    return await measure(ctx, cli, daemon.host ? { DOCKER_HOST: daemon.host } : {});
  } finally {
    await daemon.stop();
  }
}

async function measure(ctx: SuiteContext, cli: string, env: Record<string, string>): Promise<CaseResult> {
  const dir = ctx.scratch("docker");
  await ensureBase(dir, env);
  const specFile = path.join(dir, "env.json");
  writeFileSync(specFile, JSON.stringify({ name: "bench-docker", docker: { baseImage: BASE, steps: STEPS } }, null, 2));
  const cacheDir = path.join(dir, "cache");
  // envforge builds the image in this daemon first (a private daemon is new each run).
  rmSync(cacheDir, { recursive: true, force: true });
  const envforgeArgs = [cli, "build", specFile, "--target", "docker", "--cache-dir", cacheDir, "--quiet"];
  const first = await execa(process.execPath, envforgeArgs, { env, reject: false, timeout: 600_000 });
  if (first.exitCode !== 0) return { ...CASE, rows: [], skipped: `envforge could not build the image here: ${first.stderr.split("\n").slice(0, 3).join(" ")}` };
  const context = path.join(dir, "context");
  mkdirSync(context, { recursive: true });
  writeFileSync(path.join(context, "Dockerfile"), `FROM ${BASE}\n${STEPS.join("\n")}\n`);
  const dockerArgs = ["build", "-q", "-t", "envforge-bench-docker:cached", context];
  await execa("docker", dockerArgs, { env, timeout: 600_000 });
  const time = async (file: string, args: string[]) => {
    const started = performance.now();
    await execa(file, args, { env });
    return performance.now() - started;
  };
  const rows = await compareRuns(
    [
      { name: "envforge build --target docker (cached)", role: "envforge", run: () => time(process.execPath, envforgeArgs) },
      { name: "docker build (fully cached)", role: "peer", run: () => time("docker", dockerArgs) },
      { name: 'limit: node -e ""', role: "limit", run: () => time(process.execPath, ["-e", ""]) },
    ],
    Math.min(ctx.config.processRuns, 11),
  );
  return { ...CASE, rows, notes: [`base ${BASE} (imported here), steps: ${STEPS.join("; ")}`] };
}
