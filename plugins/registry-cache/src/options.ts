import { readFile } from "node:fs/promises";
import { createError } from "@envforge/core/plugin-kit";
import type { ImageEngineFor, RegistryAuth } from "@envforge/image";

export interface RegistryCacheOptions {
  /** `host[:port]` of any OCI registry: `127.0.0.1:5000`, `ghcr.io`, `myacr.azurecr.io`. */
  registry: string;
  /** Repository holding the cache; tags are hash hex. Default `envforge/cache`. */
  repository?: string | undefined;
  /**
   * Plain HTTP, no TLS (a registry on the local network). podman gets `--tls-verify=false`;
   * docker needs the registry in its daemon's `insecure-registries` (127.0.0.0/8 always is).
   */
  insecure?: boolean | undefined;
  /** Username and password (or an access token as password), or a ready bearer token. Never hashed or logged. */
  credentials?: RegistryAuth | undefined;
  /** A docker `config.json` to take this registry's credentials from (`auth`, `username`/`password`, `registrytoken`). */
  credentialsFile?: string | undefined;
  /** Image targets served. Default `["docker", "podman"]`. */
  targets?: string[] | undefined;
  /** Push fresh builds (default true). Off: a read-only cache, e.g. developer machines that only pull what CI pushed. */
  push?: boolean | undefined;
  /** Per registry request; a slower registry counts as down. Default 5000. */
  timeoutMs?: number | undefined;
  /** Per image push or pull. Default 10 minutes. */
  transferTimeoutMs?: number | undefined;
  /**
   * The image engine of each target, to pull into and push from (the one its builder uses): the
   * host hands them in (`dockerEngines(connection)`, `podmanEngines(connection)`), so the cache
   * speaks only to `ImageEngine`. A target without one is not served.
   */
  engines?: Readonly<Record<string, ImageEngineFor>> | undefined;
}

export interface ResolvedRegistryOptions {
  registry: string;
  repository: string;
  insecure: boolean;
  targets: string[];
  push: boolean;
  timeoutMs: number;
  transferTimeoutMs: number;
  engines: Readonly<Record<string, ImageEngineFor>>;
  credentials: RegistryAuth | undefined;
  credentialsFile: string | undefined;
}

/** Registry host as docker and podman spell it in a reference: a DNS name or IPv4, optional port. */
const REGISTRY = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?$/;
/** Repository name grammar of the distribution spec. */
const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;

/** Targets whose artifacts are images in an engine the cache knows how to push from and pull into. */
const IMAGE_TARGETS = ["docker", "podman"];

const invalid = (message: string, hint: string) => createError("E_INVALID_VALUE", message, { hint });

/** Checks the plugin's options once, when it is created: a typo should not look like a cache miss. */
export function resolveRegistryOptions(options: RegistryCacheOptions): ResolvedRegistryOptions {
  const registry = options.registry?.replace(/^https?:\/\//, "").replace(/\/+$/, "");
  if (!registry || !REGISTRY.test(registry)) {
    throw invalid(`registry cache: ${JSON.stringify(options.registry)} is not a registry host`, "host[:port], e.g. 127.0.0.1:5000 or ghcr.io");
  }
  const repository = options.repository ?? "envforge/cache";
  if (!REPOSITORY.test(repository) || repository.length > 255) {
    throw invalid(`registry cache: ${JSON.stringify(repository)} is not a repository name`, "lowercase path components such as envforge/cache or myteam/envforge-cache");
  }
  const c = options.credentials as Record<string, unknown> | undefined;
  if (c !== undefined) {
    const pair = typeof c.username === "string" && typeof c.password === "string" && c.username !== "";
    const token = typeof c.token === "string" && c.token !== "";
    if (pair === token) {
      throw createError("E_INVALID_VALUE", "registry cache credentials need either username and password, or token", {
        hint: "{ username: 'me', password: process.env.REGISTRY_TOKEN } or { token: '…' }",
      });
    }
  }
  if (options.credentials && options.credentialsFile) {
    throw createError("E_CONFLICTING_FIELDS", "registry cache: credentials and credentialsFile are both set", { hint: "give the credentials one way" });
  }
  const positive = (v: number | undefined, fallback: number, key: string) => {
    if (v === undefined) return fallback;
    if (!Number.isFinite(v) || v <= 0) throw invalid(`registry cache: ${key} must be a positive number of milliseconds`, `e.g. ${fallback}`);
    return v;
  };
  const targets = options.targets ?? ["docker", "podman"];
  for (const t of targets) {
    if (!IMAGE_TARGETS.includes(t)) throw invalid(`registry cache: target ${JSON.stringify(t)} is not an image target it can pull into`, `any of ${IMAGE_TARGETS.join(", ")}`);
  }
  return {
    registry,
    repository,
    insecure: options.insecure === true,
    targets,
    push: options.push !== false,
    timeoutMs: positive(options.timeoutMs, 5000, "timeoutMs"),
    transferTimeoutMs: positive(options.transferTimeoutMs, 10 * 60_000, "transferTimeoutMs"),
    engines: options.engines ?? {},
    credentials: options.credentials,
    credentialsFile: options.credentialsFile,
  };
}

/** Keys of a docker config's `auths` that name `registry` (with or without scheme and path). */
const sameRegistry = (key: string, registry: string) => key.replace(/^https?:\/\//, "").replace(/\/.*$/, "") === registry;

/**
 * This registry's credentials from a docker `config.json`. Credential helpers (`credsStore`,
 * `credHelpers`) and OAuth `identitytoken`s are programs and flows of their own: they are not
 * run here, and say so.
 */
export async function credentialsFromDockerConfig(file: string, registry: string): Promise<RegistryAuth | undefined> {
  let config: { auths?: Record<string, { auth?: string; username?: string; password?: string; registrytoken?: string; identitytoken?: string }>; credHelpers?: Record<string, string>; credsStore?: string };
  try {
    config = JSON.parse(await readFile(file, "utf8")) as typeof config;
  } catch (cause) {
    throw new Error(`cannot read the credentials file ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  const entry = Object.entries(config.auths ?? {}).find(([key]) => sameRegistry(key, registry))?.[1];
  if (entry?.registrytoken) return { token: entry.registrytoken };
  if (entry?.username && entry.password) return { username: entry.username, password: entry.password };
  if (entry?.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry?.identitytoken || config.credHelpers?.[registry] || config.credsStore) {
    throw new Error(`the credentials for ${registry} in ${file} live in a credential helper or an OAuth identity token, which the registry cache does not run`);
  }
  return undefined;
}
