import { createError } from "@envforge/core";

export interface RedisCoordinatorOptions {
  /** `redis://host:port[/db]` or `rediss://…` (TLS), without credentials: those come from `username`/`password`. */
  url: string;
  /** Read from the environment by the CLI (`ENVFORGE_COORDINATOR_USERNAME`/`_PASSWORD`); never logged. */
  username?: string | undefined;
  password?: string | undefined;
  /** Lease time to live (default 30 s): a holder that died is replaced this long after its last renewal. */
  ttlMs?: number | undefined;
  /** How long a worker waits for another's build of the same key before building itself (default 30 min). */
  waitMs?: number | undefined;
  /** How often a waiting worker looks again (default 250 ms). */
  pollMs?: number | undefined;
  /** Prefix of every key (default `envforge:`): several farms can share one server. */
  prefix?: string | undefined;
  /** Targets coordinated (default: `docker`, `podman`, whose results other machines pull from the registry cache). */
  targets?: readonly string[] | undefined;
  /** How long connecting may take before the coordinator is skipped (default 2 s). */
  connectTimeoutMs?: number | undefined;
}

export interface ResolvedRedisOptions {
  url: string;
  username: string | undefined;
  password: string | undefined;
  ttlMs: number;
  waitMs: number;
  pollMs: number;
  prefix: string;
  targets: ReadonlySet<string>;
  connectTimeoutMs: number;
}

const positive = (name: string, value: number | undefined, fallback: number, min: number): number => {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min) {
    throw createError("E_INVALID_VALUE", `redis coordinator option ${name} is ${value}`, { hint: `give a number of milliseconds, at least ${min}` });
  }
  return value;
};

/** Checks the options; a URL that carries credentials is refused (they would end up in logs and shell history). */
export function resolveRedisOptions(options: RedisCoordinatorOptions): ResolvedRedisOptions {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw createError("E_INVALID_VALUE", `the coordinator URL ${JSON.stringify(options.url)} is not a URL`, { hint: "give redis://HOST:PORT (or rediss:// for TLS)" });
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw createError("E_INVALID_VALUE", `the coordinator URL uses ${url.protocol}, not redis: or rediss:`, { hint: "give redis://HOST:PORT (or rediss:// for TLS)" });
  }
  if (url.username || url.password) {
    throw createError("E_INVALID_VALUE", "the coordinator URL carries credentials", {
      hint: "give the URL without them, and the credentials in ENVFORGE_COORDINATOR_USERNAME and ENVFORGE_COORDINATOR_PASSWORD (engine options username, password)",
    });
  }
  const ttlMs = positive("ttlMs", options.ttlMs, 30_000, 1_000);
  return {
    url: url.toString(),
    username: options.username || undefined,
    password: options.password || undefined,
    ttlMs,
    waitMs: positive("waitMs", options.waitMs, 30 * 60_000, 0),
    pollMs: positive("pollMs", options.pollMs, 250, 10),
    prefix: options.prefix ?? "envforge:",
    targets: new Set(options.targets ?? ["docker", "podman"]),
    connectTimeoutMs: positive("connectTimeoutMs", options.connectTimeoutMs, 2_000, 50),
  };
}
