import { createError, hostProgram, type BuilderOptions } from "@envforge/core/plugin-kit";
import type { RegistryCredentials } from "@envforge/image";
import type { DockerConnection } from "./docker-cli.js";

/**
 * How the docker builder runs. Set once on the plugin (`dockerPlugin(options)`) and per build
 * under the builder options key "docker" (per-build values win). None of it is hashed.
 */
export interface DockerBuildOptions extends DockerConnection {
  /** `docker build --network`: `none` for builds that must not reach the network, `host`, a network name. */
  network?: string | undefined;
  /** `auto` (default): BuildKit when the CLI and engine offer it, else the classic builder. */
  buildkit?: boolean | "auto" | undefined;
  /** Always try to pull a newer base image (`--pull`). */
  pull?: boolean | undefined;
  /** Credentials for registries the build pulls from (a private base image). */
  credentials?: RegistryCredentials[] | undefined;
  /** One registry's credentials as flat options (`-o docker.registry=… -o docker.username=… -o docker.password=…`). */
  registry?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  /** Treat images in the engine as a cache store (lookup at the daemon stage). Default true. */
  daemonCache?: boolean | undefined;
  /**
   * `envforge run`/`shell` in the image: `docker run --init` (default true), so that SIGINT and
   * SIGTERM reach a command that does not handle them itself, which as PID 1 it would ignore.
   */
  runInit?: boolean | undefined;
  /** `docker run --network` of `envforge run`/`shell`; default: docker's own default network. */
  runNetwork?: string | undefined;
}

const NETWORK = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

const str = (v: unknown, key: string): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v === "") {
    throw createError("E_INVALID_VALUE", `docker builder option ${key} must be a non-empty string`, { hint: `e.g. -o docker.${key}=value` });
  }
  return v;
};

const hostProgramOf = (baseDir: string | undefined, v: string | undefined) => (baseDir === undefined || v === undefined ? v : hostProgram(baseDir, v));

const bool = (v: unknown): boolean | undefined => (v === undefined ? undefined : v === true || v === "true");

/**
 * Merges plugin-level options with a build's `docker` builder options and checks them. With
 * `baseDir` (the engine's), a `dockerPath` with a slash is read against it, not the scratch folder.
 */
export function resolveBuildOptions(base: DockerBuildOptions, perBuild: BuilderOptions, baseDir?: string): DockerBuildOptions {
  const raw = { ...base, ...(perBuild.docker ?? {}) } as Record<string, unknown>;
  const network = str(raw.network, "network");
  if (network !== undefined && !NETWORK.test(network)) {
    throw createError("E_INVALID_VALUE", `docker builder option network ${JSON.stringify(network)} is not a network name`, { hint: "none, host, default, or the name of a docker network" });
  }
  const runNetwork = str(raw.runNetwork, "runNetwork");
  if (runNetwork !== undefined && !NETWORK.test(runNetwork)) {
    throw createError("E_INVALID_VALUE", `docker option runNetwork ${JSON.stringify(runNetwork)} is not a network name`, { hint: "none, host, bridge, or the name of a docker network" });
  }
  const buildkit = raw.buildkit === "auto" || raw.buildkit === undefined ? "auto" : bool(raw.buildkit);
  const credentials = [...((raw.credentials as RegistryCredentials[] | undefined) ?? [])];
  const registry = str(raw.registry, "registry");
  const username = str(raw.username, "username");
  const password = str(raw.password, "password");
  if (registry !== undefined || username !== undefined || password !== undefined) {
    if (registry === undefined || username === undefined || password === undefined) {
      throw createError("E_MISSING_FIELD", "docker registry credentials need registry, username and password together", {
        hint: "-o docker.registry=ghcr.io -o docker.username=me -o docker.password=$TOKEN",
      });
    }
    credentials.push({ registry, username, password });
  }
  return {
    dockerPath: hostProgramOf(baseDir, str(raw.dockerPath, "dockerPath")),
    host: str(raw.host, "host"),
    context: str(raw.context, "context"),
    network,
    buildkit,
    pull: bool(raw.pull),
    credentials,
    daemonCache: raw.daemonCache === undefined ? true : bool(raw.daemonCache),
    runInit: raw.runInit === undefined ? true : bool(raw.runInit),
    runNetwork,
  };
}
