/**
 * The docker plugin's `quick-verify` entry: is an image still in the local docker engine, asked over
 * the engine's unix socket without starting the docker CLI (which alone takes longer than a whole
 * quick hit). For the CLI's quick path: it answers only when it is sure it asks the engine the
 * docker CLI would ask — the default socket or a `unix://` DOCKER_HOST, no context chosen — and
 * says "unknown" otherwise, so the caller runs the engine and its `verify` taps as usual.
 * Node built-ins only.
 */
import { existsSync, readFileSync } from "node:fs";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";

export type ImagePresence = "present" | "gone" | "unknown";

const DEFAULT_SOCKET = "/var/run/docker.sock";

/** The socket the docker CLI would use with this environment, or undefined when it is not that simple. */
export function dockerSocketOf(env: NodeJS.ProcessEnv): string | undefined {
  if (env.DOCKER_CONTEXT || env.DOCKER_TLS_VERIFY || env.DOCKER_CERT_PATH) return undefined;
  const config = path.join(env.DOCKER_CONFIG ?? path.join(os.homedir(), ".docker"), "config.json");
  if (existsSync(config)) {
    try {
      const current = (JSON.parse(readFileSync(config, "utf8")) as { currentContext?: unknown }).currentContext;
      if (current !== undefined && current !== "default") return undefined;
    } catch {
      return undefined; // the CLI would complain about it: let it
    }
  }
  const host = env.DOCKER_HOST;
  if (host === undefined || host === "") return DEFAULT_SOCKET;
  return host.startsWith("unix://") ? host.slice("unix://".length) : undefined;
}

/** `GET /images/{reference}/json` on the engine's socket: 200 present, 404 gone, anything else unknown. */
export function imagePresence(reference: string, env: NodeJS.ProcessEnv, timeoutMs = 2000): Promise<ImagePresence> {
  const socketPath = dockerSocketOf(env);
  if (socketPath === undefined) return Promise.resolve("unknown");
  return new Promise((resolve) => {
    const req = request({ socketPath, path: `/images/${encodeURIComponent(reference)}/json`, method: "GET", timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? "present" : res.statusCode === 404 ? "gone" : "unknown");
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve("unknown"));
    req.end();
  });
}
