import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { baseImageUnavailable, importBaseImage, type OtherBase } from "./base-image.js";
import { dockerdUnavailable, startDockerd, type Dockerd } from "./dockerd.js";
import { commandExists, run } from "./processes.js";

/** The test base image: Debian bookworm with python3, venv and pip (see base-image.ts). */
export const BASE_IMAGE = "envforge-test-python:bookworm";

export type DockerSetup =
  | { ok: true; dockerd: Dockerd; dir: string }
  | { ok: false; reason: string };

/**
 * Starts a private dockerd and imports the base image into it, or says why it cannot. Called at
 * a test file's top level so the describe block can carry the reason in its title.
 */
export async function setUpDocker(options: { tcp?: boolean; base?: OtherBase } = {}): Promise<DockerSetup> {
  const reason = (await dockerdUnavailable()) ?? (options.base ? undefined : await baseImageUnavailable());
  if (reason) return { ok: false, reason };
  let dockerd: Dockerd;
  try {
    dockerd = await startDockerd(options);
  } catch (cause) {
    return { ok: false, reason: `dockerd cannot start here: ${(cause as Error).message.split("\n")[0]}` };
  }
  try {
    await importBaseImage(["docker", "--host", dockerd.host], options.base?.name ?? BASE_IMAGE, process.env, options.base?.rootfs);
  } catch (cause) {
    await dockerd.stop();
    return { ok: false, reason: `cannot make the base image: ${(cause as Error).message}` };
  }
  return { ok: true, dockerd, dir: await mkdtemp(path.join(os.tmpdir(), "envforge-docker-test-")) };
}

/**
 * A docker CLI wrapper that records every invocation, so a test can prove a cache hit never ran
 * `docker build`.
 */
export function dockerSpy(dir: string, real = "docker"): { path: string; calls(): string[] } {
  const log = path.join(dir, `docker-calls-${path.basename(real)}-${Date.now()}.log`);
  const script = path.join(dir, `docker-spy-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(log, "");
  writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec ${real} "$@"\n`);
  chmodSync(script, 0o755);
  return {
    path: script,
    calls: () => readFileSync(log, "utf8").split("\n").filter(Boolean),
  };
}

/** A docker CLI older than 23 (speaks BuildKit without buildx), if this machine has one. */
export async function legacyBuildkitCli(): Promise<string | undefined> {
  for (const candidate of ["/usr/bin/docker", "docker"]) {
    if (!(await commandExists(candidate))) continue;
    const v = await run(candidate, ["version", "--format", "{{.Client.Version}}"], { allowFailure: true });
    const major = Number.parseInt(v.stdout.trim().split(".")[0] ?? "", 10);
    if (Number.isFinite(major) && major < 23) return candidate;
    const buildx = await run(candidate, ["buildx", "version"], { allowFailure: true });
    if (buildx.code === 0) return candidate;
  }
  return undefined;
}
