import { spawn, type ChildProcess } from "node:child_process";
import { openSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, unlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { PodmanConnection } from "@envforge/plugin-podman";
import { baseImageUnavailable, importBaseImage, type OtherBase } from "./base-image.js";
import { commandExists, run, type RunResult } from "./processes.js";

/**
 * The test base image as podman names it. The generator writes fully-qualified references
 * (`FROM docker.io/library/envforge-test-python:bookworm`), and podman looks an image up by that
 * full name, so it is imported under it; nothing is pulled.
 */
export const PODMAN_BASE_IMAGE = "docker.io/library/envforge-test-python:bookworm";

/**
 * One podman "machine" for tests: its own storage (--root/--runroot) in a temp folder, so tests
 * never touch the host's images and a second storage stands in for a second machine.
 */
export interface PodmanStorage {
  dir: string;
  /** What the podman plugin and the registry cache take as connection options. */
  connection: PodmanConnection;
  podman(args: string[], options?: { allowFailure?: boolean; timeoutMs?: number }): Promise<RunResult>;
  /** Runs a command inside an image (buildah from + run --isolation chroot: `podman run` cannot run here). */
  inImage(reference: string, command: string[]): Promise<string>;
  /** Starts `podman system service` on a unix socket for this storage: a remote podman to build on. */
  serve(): Promise<{ url: string; stop(): Promise<void> }>;
  remove(): Promise<void>;
}

export async function podmanUnavailable(): Promise<string | undefined> {
  if (!(await commandExists("podman"))) return "podman is not installed (apt-get install podman)";
  if (!(await commandExists("buildah"))) return "buildah is not installed (apt-get install buildah)";
  if (process.getuid?.() !== 0) return "the podman tests use private storage roots, which needs root";
  return undefined;
}

let driver: Promise<string> | undefined;

/**
 * overlay when this kernel lets us mount it (a build takes seconds), else vfs (every layer is a
 * full copy: minutes). ENVFORGE_TEST_PODMAN_DRIVER forces one.
 */
export function storageDriver(): Promise<string> {
  driver ??= (async () => {
    if (process.env.ENVFORGE_TEST_PODMAN_DRIVER) return process.env.ENVFORGE_TEST_PODMAN_DRIVER;
    const dir = await mkdtemp(path.join(os.tmpdir(), "efp-probe-"));
    const flags = [`--root=${dir}/root`, `--runroot=${dir}/run`, "--storage-driver=overlay"];
    try {
      const from = await run("buildah", [...flags, "from", "scratch"], { allowFailure: true, timeoutMs: 60_000 });
      const mount = from.code === 0 ? await run("buildah", [...flags, "mount", from.stdout.trim()], { allowFailure: true, timeoutMs: 60_000 }) : from;
      return mount.code === 0 ? "overlay" : "vfs";
    } finally {
      await run("buildah", [...flags, "rm", "--all"], { allowFailure: true });
      await run("podman", [...flags, "system", "reset", "--force"], { allowFailure: true });
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return driver;
}

export async function createPodmanStorage(options: { base?: boolean | OtherBase } = {}): Promise<PodmanStorage> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "efp-"));
  const connection: PodmanConnection = { root: path.join(dir, "root"), runroot: path.join(dir, "run"), storageDriver: await storageDriver() };
  const flags = [`--root=${connection.root}`, `--runroot=${connection.runroot}`, `--storage-driver=${connection.storageDriver}`];
  const podman = (args: string[], o: { allowFailure?: boolean; timeoutMs?: number } = {}) =>
    run("podman", [...flags, ...args], { allowFailure: o.allowFailure, timeoutMs: o.timeoutMs ?? 300_000 });
  const buildah = (args: string[]) => run("buildah", [...flags, ...args], { timeoutMs: 300_000 });
  if (typeof options.base === "object") await importBaseImage(["podman", ...flags], options.base.name, process.env, options.base.rootfs);
  else if (options.base !== false) await importBaseImage(["podman", ...flags], PODMAN_BASE_IMAGE);
  const services: (() => Promise<void>)[] = [];
  return {
    dir,
    connection,
    podman,
    async inImage(reference, command) {
      const container = (await buildah(["from", "--pull-never", reference])).stdout.trim();
      try {
        return (await buildah(["run", "--isolation", "chroot", container, "--", ...command])).stdout.trim();
      } finally {
        await buildah(["rm", container]).catch(() => undefined);
      }
    },
    async serve() {
      const socket = path.join(dir, "podman.sock");
      const url = `unix://${socket}`;
      const child: ChildProcess = spawn("podman", [...flags, "system", "service", "--time=0", url], { stdio: ["ignore", openSync(path.join(dir, "service.log"), "a"), "ignore"] });
      const runtimeDir = process.env.ENVFORGE_TEST_RUNTIME_DIR;
      const pidFile = runtimeDir ? path.join(runtimeDir, `podman-service-${child.pid}.pid`) : undefined;
      if (pidFile) writeFileSync(pidFile, String(child.pid));
      let exited = false;
      child.on("exit", () => (exited = true));
      const stop = async () => {
        if (!exited) child.kill("SIGTERM");
        for (let i = 0; i < 100 && !exited; i++) await new Promise((r) => setTimeout(r, 100));
        if (!exited) child.kill("SIGKILL");
        if (pidFile) await unlink(pidFile).catch(() => undefined);
      };
      services.push(stop);
      const deadline = Date.now() + 30_000;
      for (;;) {
        const probe = await run("podman", ["--remote", `--url=${url}`, "version"], { allowFailure: true, timeoutMs: 10_000 });
        if (probe.code === 0) break;
        if (exited || Date.now() > deadline) {
          await stop();
          throw new Error(`podman system service did not start: ${probe.stderr}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      return { url, stop };
    },
    async remove() {
      for (const stop of services) await stop();
      await run("buildah", [...flags, "rm", "--all"], { allowFailure: true });
      await podman(["system", "reset", "--force"], { allowFailure: true });
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

export type PodmanSetup = { ok: true; storage: PodmanStorage } | { ok: false; reason: string };

/** A podman storage with the base image (or `base`, under its fully-qualified name), or why there cannot be one. */
export async function setUpPodman(base?: OtherBase): Promise<PodmanSetup> {
  const reason = (await podmanUnavailable()) ?? (base ? undefined : await baseImageUnavailable());
  if (reason) return { ok: false, reason };
  try {
    return { ok: true, storage: await createPodmanStorage({ base: base ?? true }) };
  } catch (cause) {
    return { ok: false, reason: `podman cannot make its storage or base image here: ${(cause as Error).message.split("\n")[0]}` };
  }
}
