// execa (about 80 ms to load) only when a process runs: commands that never start one do not pay for it.
import { createError, type EnvforgeError } from "@envforge/core/plugin-kit";
import type { ImageInfo } from "@envforge/image";

/** How to reach a Docker engine. None of it is hashed: the same image can be built anywhere. */
export interface DockerConnection {
  /** The docker CLI to run. Default: `docker` on PATH. */
  dockerPath?: string | undefined;
  /** An engine endpoint (`unix:///…`, `tcp://host:port`, `ssh://…`): a remote engine is a builder too. */
  host?: string | undefined;
  /** A docker context name (`docker context ls`); exclusive with `host`. */
  context?: string | undefined;
}

export type BuildkitMode = "buildx" | "buildkit" | "classic";

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
      const { execa } = await import("execa");
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
    const { execa } = await import("execa");
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
    const { execa } = await import("execa");
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

/** `docker image inspect` in the engine-neutral shape. */
export function dockerImageInfo(inspect: DockerImageInspect): ImageInfo {
  return {
    id: inspect.Id,
    tags: inspect.RepoTags ?? [],
    repoDigests: inspect.RepoDigests ?? [],
    created: inspect.Created,
    sizeBytes: inspect.Size,
    platform: `${inspect.Os ?? "linux"}/${inspect.Architecture ?? "unknown"}${inspect.Variant ? `/${inspect.Variant}` : ""}`,
    labels: inspect.Config?.Labels ?? {},
    layers: inspect.RootFS?.Layers ?? [],
  };
}
