import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { commandExists, run } from "./processes.js";

/**
 * A Debian bookworm root filesystem with python3, venv and pip, as a tarball that `docker import`
 * or `podman import` turn into a base image. No public registry is reachable here, so tests make
 * their own base image; debootstrap takes about a minute, so the tarball is kept at a stable path
 * and reused by every later run (and by the podman and registry tests).
 */
export const ROOTFS_TARBALL = process.env.ENVFORGE_TEST_ROOTFS ?? path.join(os.tmpdir(), "envforge-test-rootfs.tar");
export const ROOTFS_PACKAGES = ["python3-minimal", "python3-venv", "python3-pip"];

/** Why a base image cannot be made here, or undefined when it can. */
export async function baseImageUnavailable(): Promise<string | undefined> {
  if (existsSync(ROOTFS_TARBALL)) return undefined;
  if (!(await commandExists("debootstrap"))) return "debootstrap is not installed (apt-get install debootstrap)";
  if (process.getuid?.() !== 0) return "debootstrap needs root to build the base image's root filesystem";
  return undefined;
}

/** Builds the rootfs tarball once (cross-process: a lock folder beside it), returns its path. */
export async function ensureRootfsTarball(log: (line: string) => void = () => undefined): Promise<string> {
  if (existsSync(ROOTFS_TARBALL)) return ROOTFS_TARBALL;
  const lock = `${ROOTFS_TARBALL}.lock`;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(path.join(lock, "pid"), String(process.pid));
      break;
    } catch {
      if (existsSync(ROOTFS_TARBALL)) return ROOTFS_TARBALL;
      if (await staleLock(lock)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    if (existsSync(ROOTFS_TARBALL)) return ROOTFS_TARBALL;
    const work = await mkdtemp(path.join(os.tmpdir(), "envforge-rootfs-"));
    try {
      const root = path.join(work, "root");
      log(`debootstrap bookworm into ${root} (about a minute)`);
      await run("debootstrap", ["--variant=minbase", `--include=${ROOTFS_PACKAGES.join(",")}`, "bookworm", root], {
        timeoutMs: 15 * 60_000,
      });
      // Shrink it: apt lists and caches are not needed to run python3 -m venv / pip.
      await rm(path.join(root, "var/cache/apt/archives"), { recursive: true, force: true });
      await rm(path.join(root, "var/lib/apt/lists"), { recursive: true, force: true });
      const partial = `${ROOTFS_TARBALL}.partial-${process.pid}`;
      await run("tar", ["-C", root, "-cf", partial, "."], { timeoutMs: 5 * 60_000 });
      await rename(partial, ROOTFS_TARBALL);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    return ROOTFS_TARBALL;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function staleLock(lock: string): Promise<boolean> {
  try {
    const pid = Number.parseInt(await readFile(path.join(lock, "pid"), "utf8"), 10);
    if (!Number.isFinite(pid)) return (Date.now() - (await stat(lock)).mtimeMs) > 60_000;
    process.kill(pid, 0);
    return false;
  } catch (cause) {
    return (cause as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** Another base image than the Debian one: its name and the rootfs tarball it is imported from. */
export interface OtherBase {
  name: string;
  rootfs: string;
}

/**
 * A root filesystem of a few MB holding only `/bin/sh` and `tools`, copied from this machine with
 * the libraries `ldd` lists, as a tarball in `dir`. For image tests that need nothing but a shell:
 * on vfs storage every build step copies the whole root filesystem, which takes seconds for the
 * Debian base and milliseconds for this one.
 */
export async function makeTinyRootfs(dir: string, tools: readonly string[] = ["cat", "sha256sum"]): Promise<string> {
  const root = await mkdtemp(path.join(dir, "tiny-root-"));
  for (const sub of ["bin", "etc", "tmp", "proc", "sys", "dev"]) await mkdir(path.join(root, sub), { recursive: true });
  const binaries = new Map<string, string>([["/bin/sh", (await run("sh", ["-c", "readlink -f \"$(command -v sh)\""])).stdout.trim()]]);
  for (const tool of tools) binaries.set(`/bin/${tool}`, (await run("sh", ["-c", `readlink -f "$(command -v ${tool})"`])).stdout.trim());
  const files = new Map(binaries);
  for (const host of binaries.values()) {
    // `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)`, and the loader as `/lib64/ld-linux-x86-64.so.2 (0x…)`.
    for (const m of (await run("ldd", [host], { allowFailure: true })).stdout.matchAll(/(\/\S+) \(0x/g)) files.set(m[1]!, m[1]!);
  }
  for (const [inImage, host] of files) {
    await mkdir(path.join(root, path.dirname(inImage)), { recursive: true });
    await copyFile(host, path.join(root, inImage));
  }
  const tarball = path.join(dir, "tiny-rootfs.tar");
  await run("tar", ["-C", root, "-cf", tarball, "."]);
  await rm(root, { recursive: true, force: true });
  return tarball;
}

/**
 * Imports a rootfs tarball (default: the Debian one) as image `name` through a docker-compatible
 * CLI (`docker` with `-H`, or `podman`), unless an image of that name is already there.
 */
export async function importBaseImage(cli: string[], name: string, env: NodeJS.ProcessEnv = process.env, rootfs?: string): Promise<void> {
  const [command, ...prefix] = cli;
  const exists = await run(command!, [...prefix, "image", "inspect", name], { env, allowFailure: true });
  if (exists.code === 0) return;
  const tarball = rootfs ?? (await ensureRootfsTarball());
  await new Promise<void>((resolve, reject) => {
    const child = spawn(command!, [...prefix, "import", "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", tarball, name], {
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${command} import failed (${code}): ${stderr}`))));
  });
}
