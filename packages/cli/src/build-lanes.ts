import { createError, type BuilderOptions, type BuildLane } from "@envforge/core/plugin-kit";
import { createDockerEngine } from "@envforge/plugin-docker";
import { createPodmanEngine } from "@envforge/plugin-podman";

/** The image targets `build-all` spreads over engines, and how each names an engine. */
export const BATCH_TARGETS = ["docker", "podman"] as const;
export type BatchTarget = (typeof BATCH_TARGETS)[number];

/** A docker engine endpoint (`unix:///…`, `tcp://…`, `ssh://…`) or a podman service URL (same schemes). */
const ENGINE_URL = /^(unix|tcp|ssh|npipe):\/\/\S+$/;

/** A lane's name in the summary: the URL without any user part (never a credential in output). */
const laneName = (url: string) => url.replace(/\/\/[^@/]*@/, "//");

/**
 * `--hosts URL,URL…` → one lane per engine: docker's `host` builder option, podman's `url`. Each
 * lane's check pings its engine: after a build failed there, a ping that fails says the engine is
 * gone (the build moves), one that answers says the definition failed (it stays failed). Without
 * hosts: the one local engine (DOCKER_HOST or podman's default).
 */
export function lanesOf(target: BatchTarget, hosts: readonly string[], options: BuilderOptions = {}): BuildLane[] {
  // The CLI the builds run (-o docker.dockerPath=…) is the one that pings.
  const tool = options[target]?.[target === "docker" ? "dockerPath" : "podmanPath"];
  const cli = typeof tool === "string" ? tool : undefined;
  if (hosts.length === 0) return [{ name: "local", check: (signal) => ping(target, cli, undefined, signal) }];
  return hosts.map((url) => {
    if (!ENGINE_URL.test(url)) {
      throw createError("E_INVALID_VALUE", `--hosts: ${JSON.stringify(url)} is not an engine URL`, {
        field: "--hosts",
        hint: target === "docker" ? "give docker hosts, e.g. --hosts unix:///var/run/docker.sock,tcp://10.0.0.5:2375" : "give podman service URLs, e.g. --hosts unix:///run/podman/podman.sock,ssh://build@10.0.0.5/run/podman/podman.sock",
      });
    }
    const builderOptions = target === "docker" ? { docker: { host: url } } : { podman: { url } };
    return { name: laneName(url), builderOptions, check: (signal: AbortSignal) => ping(target, cli, url, signal) };
  });
}

async function ping(target: BatchTarget, cli: string | undefined, url: string | undefined, signal: AbortSignal): Promise<void> {
  const engine = target === "docker" ? createDockerEngine({ dockerPath: cli, host: url }) : createPodmanEngine({ podmanPath: cli, url });
  await engine.ping(signal);
}
