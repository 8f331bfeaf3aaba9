// execa (about 80 ms to load) only when a process runs: commands that never start one do not pay for it.
import { createError, type EnvforgeError } from "@envforge/core/plugin-kit";
import type { ImageInfo } from "@envforge/image";
import type { PodmanConnection } from "./options.js";

/** The part of `podman image inspect` envforge reads. */
export interface PodmanImageInspect {
  /** Image ID: hex without `sha256:`. */
  Id: string;
  /** Manifest digest (`sha256:…`). */
  Digest?: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: string;
  Size: number;
  Architecture?: string;
  Os?: string;
  Variant?: string;
  Config?: { Labels?: Record<string, string> | null; Env?: string[] | null };
  Labels?: Record<string, string> | null;
  RootFS?: { Layers?: string[] };
  ManifestType?: string;
}

/**
 * A podman CLI bound to one storage (local flags) or one remote service. Every process goes
 * through execa; `env` adds to the inherited environment (REGISTRY_AUTH_FILE for a build's own
 * credentials, CONTAINERS_STORAGE_CONF).
 */
export class PodmanCli {
  readonly command: string;
  readonly globalArgs: string[];
  readonly env: Record<string, string>;

  constructor(
    readonly connection: PodmanConnection = {},
    env: Record<string, string> = {},
  ) {
    this.command = connection.podmanPath ?? "podman";
    const g: string[] = [];
    // `--flag=value`: a value that starts with "-" can never be read as another flag.
    if (connection.url !== undefined) g.push("--remote", `--url=${connection.url}`);
    if (connection.connection !== undefined) g.push("--remote", `--connection=${connection.connection}`);
    if (connection.identity !== undefined) g.push(`--identity=${connection.identity}`);
    if (connection.root !== undefined) g.push(`--root=${connection.root}`);
    if (connection.runroot !== undefined) g.push(`--runroot=${connection.runroot}`);
    if (connection.storageDriver !== undefined) g.push(`--storage-driver=${connection.storageDriver}`);
    this.globalArgs = g;
    this.env = { ...(connection.storageConf !== undefined ? { CONTAINERS_STORAGE_CONF: connection.storageConf } : {}), ...env };
  }

  get remote(): boolean {
    return this.connection.url !== undefined || this.connection.connection !== undefined;
  }

  /** A name for this podman in messages and image details (never holds credentials). */
  describe(): string {
    if (this.connection.url !== undefined) return `podman at ${this.connection.url.replace(/\/\/[^@/]*@/, "//")}`;
    if (this.connection.connection !== undefined) return `podman connection ${this.connection.connection}`;
    return this.connection.root !== undefined ? `podman (storage ${this.connection.root})` : "the local podman";
  }

  withEnv(env: Record<string, string>): PodmanCli {
    return new PodmanCli(this.connection, { ...this.env, ...env });
  }

  /** Runs `podman <args>` and returns stdout; a failure becomes an EnvforgeError naming this podman. */
  async run(args: string[], options: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined } = {}): Promise<string> {
    try {
      const { execa } = await import("execa");
      const result = await execa(this.command, [...this.globalArgs, ...args], {
        env: this.env,
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
    const c = cause as { code?: string; stderr?: string; shortMessage?: string };
    if (c.code === "ENOENT") {
      return createError("E_TOOL_NOT_FOUND", `the podman CLI "${this.command}" was not found`, {
        hint: "install podman (Debian: apt-get install podman) or set the podman builder option podmanPath",
        cause,
      });
    }
    const stderr = (c.stderr ?? "").trim();
    return createError("E_BUILD_FAILED", `podman ${args[0] ?? ""} failed on ${this.describe()}: ${stderr.split("\n").slice(-3).join(" ") || c.shortMessage || String(cause)}`, {
      hint: /connection refused|no such file|cannot connect|unable to connect/i.test(stderr)
        ? "is the podman service running and reachable? check the podman builder options url/connection"
        : /graph driver|storage driver|database/i.test(stderr)
          ? "this storage was created with another storage driver: set storageDriver to match, or use another root"
          : undefined,
      cause,
    });
  }

  /** `podman image inspect` of one image, or undefined when the storage has no such image. */
  async inspectImage(reference: string, signal?: AbortSignal): Promise<PodmanImageInspect | undefined> {
    const { execa } = await import("execa");
    const result = await execa(this.command, [...this.globalArgs, "image", "inspect", reference], {
      env: this.env,
      reject: false,
      cancelSignal: signal,
      timeout: 60_000,
    });
    if (result.exitCode === 0) return (JSON.parse(result.stdout) as PodmanImageInspect[])[0];
    if (/no such image|image not known|not found/i.test(result.stderr)) return undefined;
    throw this.toError(result, ["image"]);
  }
}

/** An image's labels, wherever this podman version puts them. */
export function labelsOf(inspect: PodmanImageInspect | undefined): Record<string, string> {
  return inspect?.Config?.Labels ?? inspect?.Labels ?? {};
}

/** `os/arch[/variant]` of an inspected image. */
export function platformOf(inspect: PodmanImageInspect): string {
  return `${inspect.Os ?? "linux"}/${inspect.Architecture ?? "unknown"}${inspect.Variant ? `/${inspect.Variant}` : ""}`;
}

/** Image IDs as `sha256:…`, the form docker and the OCI specs use. */
export function imageIdOf(inspect: PodmanImageInspect): string {
  return inspect.Id.startsWith("sha256:") ? inspect.Id : `sha256:${inspect.Id}`;
}

/** `podman image inspect` in the engine-neutral shape. */
export function podmanImageInfo(inspect: PodmanImageInspect): ImageInfo {
  return {
    id: imageIdOf(inspect),
    manifestDigest: inspect.Digest,
    tags: inspect.RepoTags ?? [],
    repoDigests: inspect.RepoDigests ?? [],
    created: inspect.Created,
    sizeBytes: inspect.Size,
    platform: platformOf(inspect),
    labels: labelsOf(inspect),
    layers: inspect.RootFS?.Layers ?? [],
  };
}
