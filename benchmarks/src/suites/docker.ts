import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { compareRuns } from "../harness.js";
import type { CaseResult } from "../model.js";
import type { SuiteContext } from "./context.js";

const BASE = "envforge-bench-base:1";
const STEPS = ["ENV ENVFORGE_BENCH=1", "LABEL org.envforge.bench=cached", "WORKDIR /app"];

const CASE = { suite: "process", id: "process-docker", title: "Cached image build, whole process: envforge vs docker", unit: "ms" as const };

async function daemon(): Promise<string | undefined> {
  try {
    await execa("docker", ["version", "--format", "{{.Server.Version}}"], { timeout: 10_000 });
    return undefined;
  } catch (cause) {
    const text = String((cause as { stderr?: string }).stderr || (cause as Error).message).split("\n")[0];
    return `no Docker daemon reachable (${text}); start one (or set DOCKER_HOST) to run this row`;
  }
}

/** A base image made here (no registry is needed): an almost empty root filesystem. */
async function ensureBase(dir: string): Promise<void> {
  const found = await execa("docker", ["image", "inspect", BASE], { reject: false });
  if (found.exitCode === 0) return;
  const root = path.join(dir, "rootfs");
  mkdirSync(path.join(root, "etc"), { recursive: true });
  writeFileSync(path.join(root, "etc", "envforge-bench"), "base\n");
  const tar = await execa("tar", ["-C", root, "-c", "."], { encoding: "buffer" });
  await execa("docker", ["import", "-", BASE], { input: tar.stdout });
}

/**
 * `envforge build --target docker` of an environment whose image is cached, against docker's own
 * fully cached rebuild of the same Dockerfile, each as a whole process. Needs a Docker daemon.
 */
export async function dockerCase(ctx: SuiteContext, cli: string): Promise<CaseResult> {
  if (ctx.config.docker === "off") return { ...CASE, rows: [], skipped: "disabled with --docker off" };
  const missing = await daemon();
  if (missing) return { ...CASE, rows: [], skipped: missing };
  const dir = ctx.scratch("docker");
  await ensureBase(dir);
  const specFile = path.join(dir, "env.json");
  writeFileSync(specFile, JSON.stringify({ name: "bench-docker", docker: { baseImage: BASE, steps: STEPS } }, null, 2));
  const cacheDir = path.join(dir, "cache");
  const envforgeArgs = [cli, "build", specFile, "--target", "docker", "--cache-dir", cacheDir, "--quiet"];
  const first = await execa(process.execPath, envforgeArgs, { reject: false, timeout: 600_000 });
  if (first.exitCode !== 0) return { ...CASE, rows: [], skipped: `envforge could not build the image here: ${first.stderr.split("\n").slice(0, 3).join(" ")}` };
  const context = path.join(dir, "context");
  mkdirSync(context, { recursive: true });
  writeFileSync(path.join(context, "Dockerfile"), `FROM ${BASE}\n${STEPS.join("\n")}\n`);
  const dockerArgs = ["build", "-q", "-t", "envforge-bench-docker:cached", context];
  await execa("docker", dockerArgs, { timeout: 600_000 });
  const time = async (file: string, args: string[]) => {
    const started = performance.now();
    await execa(file, args);
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
