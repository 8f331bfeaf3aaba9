import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { RegistryAuth, RegistryCredentials } from "./engine.js";

const DEFAULT_DOCKER_CONFIG = () => process.env.DOCKER_CONFIG ?? path.join(os.homedir(), ".docker");

/**
 * A private DOCKER_CONFIG for one build holding only the given credentials, so they reach the
 * engine through the CLI's own auth mechanism and never a command line, a build argument, a
 * label or a layer. The user's contexts stay visible through a link. podman reads the same
 * `auths` format (`--authfile`, REGISTRY_AUTH_FILE).
 */
export async function writeDockerConfig(dir: string, credentials: readonly RegistryCredentials[]): Promise<string> {
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

/** Runs `work` with a private auth folder (docker config.json layout) for one registry, removed afterwards. */
export async function withAuthDir<T>(registry: string, auth: RegistryAuth | undefined, work: (dir: string | undefined) => Promise<T>): Promise<T> {
  if (!auth) return work(undefined);
  const dir = await mkdtemp(path.join(os.tmpdir(), "envforge-registry-auth-"));
  try {
    if ("token" in auth) {
      // docker sends a `registrytoken` as the bearer token as is; the user's contexts stay visible.
      await writeDockerConfig(dir, []);
      await writeFile(path.join(dir, "config.json"), JSON.stringify({ auths: { [registry]: { registrytoken: auth.token } } }), { mode: 0o600 });
    } else {
      await writeDockerConfig(dir, [{ registry, username: auth.username, password: auth.password }]);
    }
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
