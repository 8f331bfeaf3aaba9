import type { EnginePlugin } from "@envforge/core/plugin-kit";
import { condaPlugin } from "@envforge/plugin-conda";
import { dockerEngines, dockerPlugin } from "@envforge/plugin-docker";
import { pipPlugin } from "@envforge/plugin-pip";
import { podmanEngines, podmanPlugin } from "@envforge/plugin-podman";
import { registryCachePlugin } from "@envforge/plugin-registry-cache";
import { sparkPlugin } from "@envforge/plugin-spark";
import { curatedPlugin } from "@envforge/workspace";

/** Where the shared cache lives, when there is one (`--registry-cache` or `ENVFORGE_REGISTRY_CACHE`). */
export interface RemoteCacheSettings {
  /** `host[:port][/repository]`, e.g. `127.0.0.1:5000/envforge/cache` or `ghcr.io/team/envforge-cache`. */
  location: string;
  insecure?: boolean | undefined;
  /** A docker `config.json` holding the registry's credentials. */
  credentialsFile?: string | undefined;
  /** From `ENVFORGE_REGISTRY_USERNAME` / `ENVFORGE_REGISTRY_PASSWORD`: never from the definition. */
  username?: string | undefined;
  password?: string | undefined;
  push?: boolean | undefined;
}

function registryPlugin(remote: RemoteCacheSettings): EnginePlugin {
  const slash = remote.location.indexOf("/");
  const registry = slash === -1 ? remote.location : remote.location.slice(0, slash);
  const repository = slash === -1 ? undefined : remote.location.slice(slash + 1);
  return registryCachePlugin({
    registry,
    repository,
    insecure: remote.insecure,
    credentialsFile: remote.credentialsFile,
    credentials: remote.username && remote.password ? { username: remote.username, password: remote.password } : undefined,
    push: remote.push,
    // The engines the image builders use (the CLI's default connections; a build's own builder options pick the host).
    engines: { docker: dockerEngines(), podman: podmanEngines() },
  });
}

/** The plugins the `envforge` command loads. Hosts embedding core choose their own. */
export function bundledPlugins(remote?: RemoteCacheSettings): EnginePlugin[] {
  const plugins = [pipPlugin(), condaPlugin(), dockerPlugin(), podmanPlugin(), sparkPlugin(), curatedPlugin()];
  if (remote?.location) plugins.push(registryPlugin(remote));
  return plugins;
}
