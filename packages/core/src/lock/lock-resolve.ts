import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { BuilderOptions } from "../build/build-types.js";
import type { HashResult, ParsedSpec } from "../definition/spec.js";
import { createError } from "../errors/factories.js";
import type { Engine } from "../engine/types.js";
import type { LockContext, LockPart, LockRequest } from "./lock-hook-types.js";
import { normalizeLock } from "./lock-canonical.js";
import { LOCK_SECTION } from "./lock-path.js";
import type { EnvLock } from "./lock-types.js";

export interface ResolveLockRequest extends Omit<LockRequest, "platform" | "foreign" | "upgrade" | "upgradePackages"> {
  upgrade?: boolean | undefined;
  upgradePackages?: readonly string[] | undefined;
  /** `--platform`; default this machine's (`hostLockPlatform`). */
  platform?: string | undefined;
  builderOptions?: BuilderOptions | undefined;
  signal?: AbortSignal | undefined;
}

export interface ResolvedLock {
  lock: EnvLock;
  /** Sections whose tap gave their part. */
  locked: string[];
  /** Sections no loaded plugin locks (their packages stay unpinned: say so). */
  unlocked: string[];
}

/** This machine's platform in the lock's spelling: `linux-x86_64`, `linux-aarch64`, `macos-arm64`. */
export function hostLockPlatform(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  const system = platform === "darwin" ? "macos" : platform === "win32" ? "windows" : "linux";
  const cpu: Record<string, string> = { x64: "x86_64", arm64: system === "linux" ? "aarch64" : "arm64", ia32: "i686", ppc64: "ppc64le", s390x: "s390x" };
  return `${system}-${cpu[arch] ?? arch}`;
}

/**
 * Resolves every section of a definition completely, without building: each section's `lock` tap
 * gives its part (pip's resolver, conda's solver, Ivy, the image's digest), merged into one lock
 * for one Python version and platform. Nothing is written; `formatLock` gives the text.
 */
export async function resolveLock(
  engine: Engine,
  resolved: { parsed: ParsedSpec; result: HashResult },
  request: ResolveLockRequest,
): Promise<ResolvedLock> {
  const { parsed, result } = resolved;
  const declaredPython = (parsed.sections.python as { version?: string } | undefined)?.version;
  const python = request.python ?? declaredPython;
  const platform = request.platform ?? hostLockPlatform();
  // Another machine's lock (an image's): resolved without asking this machine's interpreter.
  const foreign = platform !== hostLockPlatform() || (request.python !== undefined && request.python !== declaredPython);
  const lockRequest: LockRequest = { ...request, python, platform, foreign, upgrade: request.upgrade === true, upgradePackages: request.upgradePackages ?? [] };
  const workDir = await mkdtemp(path.join(os.tmpdir(), "envforge-lock-"));
  const ctx: LockContext = {
    hash: result.hash,
    spec: parsed,
    canonical: result.canonical,
    options: request.builderOptions ?? {},
    baseDir: engine.baseDir,
    policy: engine.policy,
    workDir,
    signal: request.signal ?? new AbortController().signal,
    log: (line, stream = "info") => engine.emit({ type: "log", hash: result.hash, target: "lock", stream, line }),
    warn: (code, message, location, hint) => engine.emit({ type: "warning", code, message, location, hint }),
    emit: (event) => engine.emit(event),
  };
  const lock: EnvLock = { version: 1, platform, ...(python !== undefined ? { python } : {}) };
  const locked: string[] = [];
  const unlocked: string[] = [];
  try {
    for (const section of Object.keys(parsed.sections).sort()) {
      if (section === LOCK_SECTION || section === "python") continue;
      const hook = engine.hooks.lock.get(section);
      const part: LockPart | undefined = hook?.isUsed() ? await hook.promise(lockRequest, ctx) : undefined;
      if (part === undefined) {
        unlocked.push(section);
        continue;
      }
      locked.push(section);
      for (const [key, value] of Object.entries(part)) {
        if (value === undefined) continue;
        if (key === "python") {
          if (lock.python === undefined) lock.python = value as string;
          continue;
        }
        const k = key as "pip" | "conda" | "spark" | "image";
        if (k === "image") lock.image = value as EnvLock["image"];
        else (lock as unknown as Record<string, unknown[]>)[k] = [...((lock[k] as unknown[] | undefined) ?? []), ...(value as unknown[])];
      }
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  if (locked.length === 0 && unlocked.length > 0) {
    throw createError("E_NO_PLUGIN", `no loaded plugin locks the sections ${unlocked.join(", ")}`, {
      hint: "load the plugins that resolve them (pip, conda, spark, docker/podman)",
    });
  }
  return { lock: normalizeLock(lock), locked, unlocked };
}
