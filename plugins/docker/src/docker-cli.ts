import { existsSync } from "node:fs";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { EnvforgeError, createError } from "@envforge/core/plugin-kit";

/** How to reach a Docker engine. None of it is hashed: the same image can be built anywhere. */
export interface DockerConnection {
  /** The docker CLI to run. Default: `docker` on PATH. */
  dockerPath?: string | undefined;
  /** An engine endpoint (`unix:///…`, `tcp://host:port`, `ssh://…`): a remote engine is a builder too. */
  host?: string | undefined;
  /** A docker context name (`docker context ls`); exclusive with `host`. */
  context?: string | undefined;
}

/** Credentials for a registry the build pulls from. Never hashed, logged, labelled or put in a layer. */
export interface RegistryCredentials {
  registry: string;
  username: string;
  password: string;
}

export type BuildkitMode = "buildx" | "buildkit" | "classic";

const DEFAULT_DOCKER_CONFIG = () => process.env.DOCKER_CONFIG ?? path.join(os.homedir(), ".docker");

/**
 * A docker CLI bound to one engine. Every process goes through execa; `env` adds to the
 * inherited environment (DOCKER_CONFIG for a build's own credentials, DOCKER_BUILDKIT).
 */
export class DockerCli {
  readonly command: string;
  readonly globalArgs: string[];

  constructor(
    readonly connection: DockerConnection = {},
    readonly env: Record<string, string> = {},
  ) {
    if (connection.host !== undefined && connection.context !== undefined) {
      throw createError("E_CONFLICTING_FIELDS", "docker builder options `host` and `context` are both set", {
        hint: "choose the engine either by endpoint (host) or by docker context name (context)",
      });
    }
    this.command = connection.dockerPath ?? "docker";
    this.globalArgs = [];
    if (connection.host !== undefined) this.globalArgs.push("--host", connection.host);
    if (connection.context !== undefined) this.globalArgs.push("--context", connection.context);
  }

  /** A name for this engine in messages and image details (never holds credentials). */
  describe(): string {
    return this.connection.host ?? (this.connection.context ? `context ${this.connection.context}` : (process.env.DOCKER_HOST ?? "the default docker engine"));
  }

  withEnv(env: Record<string, string>): DockerCli {
    return new DockerCli(this.connection, { ...this.env, ...env });
  }

  /** Runs `docker <args>` and returns stdout; a failure becomes an EnvforgeError naming the engine. */
  async run(args: string[], options: { signal?: AbortSignal | undefined; input?: string; timeoutMs?: number } = {}): Promise<string> {
    try {
      const result = await execa(this.command, [...this.globalArgs, ...args], {
        env: this.env,
        input: options.input,
        cancelSignal: options.signal,
        forceKillAfterDelay: 5000,
        timeout: options.timeoutMs,
        stripFinalNewline: true,
      });
      return result.stdout;
    } catch (cause) {
      throw this.toError(cause, args);
    }
  }

  toError(cause: unknown, args: string[]): EnvforgeError {
    const c = cause as { code?: string; stderr?: string; shortMessage?: string; isCanceled?: boolean };
    if (c.code === "ENOENT") {
      return createError("E_TOOL_NOT_FOUND", `the docker CLI "${this.command}" was not found`, {
        hint: "install docker (Debian: apt-get install docker.io) or set the docker builder option dockerPath",
        cause,
      });
    }
    const stderr = (c.stderr ?? "").trim();
    return createError("E_BUILD_FAILED", `docker ${args[0] ?? ""} failed against ${this.describe()}: ${stderr.split("\n").slice(-3).join(" ") || c.shortMessage || String(cause)}`, {
      hint: /Cannot connect|connection refused|no such file|dial/i.test(stderr)
        ? "is the docker engine running and reachable? check DOCKER_HOST or the builder options host/context"
        : undefined,
      cause,
    });
  }

  /** Whether images are built with BuildKit, and how, for this CLI and engine. */
  async buildkitMode(prefer: boolean | "auto" = "auto", signal?: AbortSignal): Promise<BuildkitMode> {
    if (prefer === false) return "classic";
    // Newer CLIs build with BuildKit only through the buildx plugin; older ones (< 23) speak to
    // the engine's embedded BuildKit themselves when DOCKER_BUILDKIT=1.
    const buildx = await execa(this.command, ["buildx", "version"], { env: this.env, reject: false, cancelSignal: signal });
    if (buildx.exitCode === 0) return "buildx";
    const version = await execa(this.command, ["version", "--format", "{{.Client.Version}}"], { env: this.env, reject: false, cancelSignal: signal });
    const major = Number.parseInt(/^(\d+)\./.exec(version.stdout.trim())?.[1] ?? "", 10);
    if (Number.isFinite(major) && major < 23) return "buildkit";
    if (prefer === true) {
      throw createError("E_TOOL_NOT_FOUND", `BuildKit was requested but ${this.command} ${version.stdout.trim()} has no buildx plugin`, {
        hint: "install the buildx plugin (docker-buildx), or set the docker builder option buildkit=false for the classic builder",
      });
    }
    return "classic";
  }

  /** `docker image inspect` of one image, or undefined when the engine has no such image. */
  async inspectImage(reference: string, signal?: AbortSignal): Promise<DockerImageInspect | undefined> {
    const result = await execa(this.command, [...this.globalArgs, "image", "inspect", "--format", "{{json .}}", reference], {
      env: this.env,
      reject: false,
      cancelSignal: signal,
    });
    if (result.exitCode === 0) return JSON.parse(result.stdout) as DockerImageInspect;
    if (/no such image|not found/i.test(result.stderr)) return undefined;
    throw this.toError(result, ["image"]);
  }
}

/** The part of `docker image inspect` envforge reads. */
export interface DockerImageInspect {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: string;
  Size: number;
  Architecture?: string;
  Os?: string;
  Variant?: string;
  Config?: { Labels?: Record<string, string> | null; Env?: string[] | null };
  RootFS?: { Layers?: string[] };
}

/**
 * A private DOCKER_CONFIG for one build holding only the given credentials, so they reach the
 * engine through the CLI's own auth mechanism and never a command line, a build argument, a
 * label or a layer. The user's contexts stay visible through a link.
 */
export async function writeDockerConfig(dir: string, credentials: RegistryCredentials[]): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const auths: Record<string, { auth: string }> = {};
  for (const c of credentials) {
    auths[c.registry] = { auth: Buffer.from(`${c.username}:${c.password}`).toString("base64") };
  }
  await writeFile(path.join(dir, "config.json"), JSON.stringify({ auths }), { mode: 0o600 });
  const contexts = path.join(DEFAULT_DOCKER_CONFIG(), "contexts");
  if (existsSync(contexts)) await symlink(contexts, path.join(dir, "contexts")).catch(() => undefined);
  return dir;
}
