import { createError, hostPath, hostProgram, type BuilderOptions } from "@envforge/core/plugin-kit";
import type { RegistryCredentials } from "@envforge/image";

/**
 * How to reach podman and its image storage. None of it is hashed: the same image can be built
 * by any podman, local or remote.
 */
export interface PodmanConnection {
  /** The podman CLI to run. Default: `podman` on PATH. */
  podmanPath?: string | undefined;
  /**
   * A podman service to build on (`podman --remote --url …`): `unix:///run/podman/podman.sock`,
   * `ssh://user@host/run/podman/podman.sock`, `tcp://host:port`. A shared build host is a builder too.
   */
  url?: string | undefined;
  /** A named `podman system connection` (`podman --remote --connection …`); exclusive with `url`. */
  connection?: string | undefined;
  /** ssh key for a remote `url` (`--identity`). */
  identity?: string | undefined;
  /** Local image storage (`--root`, `--runroot`, `--storage-driver`); not with a remote service. */
  root?: string | undefined;
  runroot?: string | undefined;
  /** e.g. `vfs` inside containers where overlay mounts are not allowed; default: podman's configuration. */
  storageDriver?: string | undefined;
  /** A containers-storage.conf for this podman (CONTAINERS_STORAGE_CONF). */
  storageConf?: string | undefined;
}

/**
 * How the podman builder runs. Set once on the plugin (`podmanPlugin(options)`) and per build
 * under the builder options key "podman" (per-build values win). None of it is hashed.
 */
export interface PodmanBuildOptions extends PodmanConnection {
  /**
   * `podman build --isolation`. Default `chroot`: it needs no user namespaces or cgroups, so it
   * works inside containers and CI runners. `oci` and `rootless` run steps through the OCI runtime.
   */
  isolation?: "chroot" | "oci" | "rootless" | undefined;
  /** `podman build --network`: `host`, `none`, a network name. With chroot isolation only `host`. */
  network?: string | undefined;
  /** Always pull a newer base image (`--pull=always`); default only when missing. */
  pull?: boolean | undefined;
  /** Credentials for registries the build pulls from (a private base image). */
  credentials?: RegistryCredentials[] | undefined;
  /** One registry's credentials as flat options (`-o podman.registry=… -o podman.username=… -o podman.password=…`). */
  registry?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  /** Treat the images in podman's storage as a cache store (lookup at the daemon stage). Default true. */
  storageCache?: boolean | undefined;
  /**
   * `envforge run`/`shell` in the image: `podman run --init`, so that SIGINT and SIGTERM reach a
   * command that does not handle them itself (as PID 1 it would ignore them). Default: on when
   * podman's init (catatonit) is installed at its usual path on this machine, or `runInitPath` is set.
   */
  runInit?: boolean | undefined;
  /** The init binary for `runInit` (`--init-path`), e.g. docker's `/usr/bin/tini-static`. */
  runInitPath?: string | undefined;
  /** `podman run --network` of `envforge run`/`shell`; default: podman's own default network. */
  runNetwork?: string | undefined;
  /**
   * `podman run --ulimit` values (`nofile=1024:1024`): podman sets high nofile/nproc limits by
   * default, which some sandboxes refuse (`error setting rlimit type 7: operation not permitted`);
   * naming them explicitly replaces those defaults.
   */
  runUlimit?: string | string[] | undefined;
}

const NETWORK = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const ISOLATIONS = ["chroot", "oci", "rootless"] as const;

const str = (v: unknown, key: string): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v === "") {
    throw createError("E_INVALID_VALUE", `podman builder option ${key} must be a non-empty string`, { hint: `e.g. -o podman.${key}=value` });
  }
  return v;
};

const bool = (v: unknown): boolean | undefined => (v === undefined ? undefined : v === true || v === "true");

/** Checks a connection: remote and local-storage settings exclude each other. */
export function checkConnection(raw: PodmanConnection): PodmanConnection {
  const c: PodmanConnection = {
    podmanPath: str(raw.podmanPath, "podmanPath"),
    url: str(raw.url, "url"),
    connection: str(raw.connection, "connection"),
    identity: str(raw.identity, "identity"),
    root: str(raw.root, "root"),
    runroot: str(raw.runroot, "runroot"),
    storageDriver: str(raw.storageDriver, "storageDriver"),
    storageConf: str(raw.storageConf, "storageConf"),
  };
  if (c.url !== undefined && c.connection !== undefined) {
    throw createError("E_CONFLICTING_FIELDS", "podman builder options `url` and `connection` are both set", {
      hint: "choose the remote podman either by URL (url) or by connection name (connection)",
    });
  }
  const remote = c.url !== undefined || c.connection !== undefined;
  const local = (["root", "runroot", "storageDriver", "storageConf"] as const).filter((k) => c[k] !== undefined);
  if (remote && local.length > 0) {
    throw createError("E_CONFLICTING_FIELDS", `podman builder option ${local.join(", ")} configures local storage, but a remote podman (${c.url !== undefined ? "url" : "connection"}) is set`, {
      hint: "a remote podman service uses its own storage; configure it where the service runs",
    });
  }
  if (c.identity !== undefined && c.url === undefined) {
    throw createError("E_MISSING_FIELD", "podman builder option identity needs url", { hint: "identity is the ssh key for url=ssh://user@host/run/podman/podman.sock" });
  }
  return c;
}

/**
 * The host's relative paths read against `baseDir` (the engine's), not the scratch folder podman
 * runs in: the files and folders, and `podmanPath` when it has a slash.
 */
function withHostPaths(raw: Record<string, unknown>, baseDir: string): Record<string, unknown> {
  const out = { ...raw };
  for (const key of ["identity", "root", "runroot", "storageConf", "runInitPath"]) {
    if (typeof out[key] === "string" && out[key] !== "") out[key] = hostPath(baseDir, out[key]);
  }
  if (typeof out.podmanPath === "string" && out.podmanPath !== "") out.podmanPath = hostProgram(baseDir, out.podmanPath);
  return out;
}

/** Merges plugin-level options with a build's `podman` builder options and checks them (paths against `baseDir` when given). */
export function resolvePodmanOptions(base: PodmanBuildOptions, perBuild: BuilderOptions, baseDir?: string): PodmanBuildOptions {
  const merged = { ...base, ...(perBuild.podman ?? {}) } as Record<string, unknown>;
  const raw = baseDir === undefined ? merged : withHostPaths(merged, baseDir);
  const isolation = str(raw.isolation, "isolation") ?? "chroot";
  if (!(ISOLATIONS as readonly string[]).includes(isolation)) {
    throw createError("E_INVALID_VALUE", `podman builder option isolation ${JSON.stringify(isolation)} is not one podman knows`, { hint: `one of ${ISOLATIONS.join(", ")}` });
  }
  const network = str(raw.network, "network");
  if (network !== undefined && !NETWORK.test(network)) {
    throw createError("E_INVALID_VALUE", `podman builder option network ${JSON.stringify(network)} is not a network name`, { hint: "host, none, or the name of a podman network" });
  }
  // buildah refuses this itself, but only after the context is sent; say it before, with the way out.
  if (network !== undefined && network !== "host" && isolation === "chroot") {
    throw createError("E_INVALID_VALUE", `podman builder option network=${network} cannot be used with isolation=chroot (chroot steps share the host's network)`, {
      hint: "use network=host (or leave it unset) with chroot, or isolation=oci where the OCI runtime can make namespaces",
    });
  }
  const credentials = [...((raw.credentials as RegistryCredentials[] | undefined) ?? [])];
  const registry = str(raw.registry, "registry");
  const username = str(raw.username, "username");
  const password = str(raw.password, "password");
  if (registry !== undefined || username !== undefined || password !== undefined) {
    if (registry === undefined || username === undefined || password === undefined) {
      throw createError("E_MISSING_FIELD", "podman registry credentials need registry, username and password together", {
        hint: "-o podman.registry=ghcr.io -o podman.username=me -o podman.password=$TOKEN",
      });
    }
    credentials.push({ registry, username, password });
  }
  return {
    ...checkConnection(raw as PodmanConnection),
    isolation: isolation as PodmanBuildOptions["isolation"],
    network,
    pull: bool(raw.pull),
    credentials,
    storageCache: raw.storageCache === undefined ? true : bool(raw.storageCache),
  };
}
