import type { Redis } from "ioredis";
import type { ResolvedRedisOptions } from "./options.js";

/**
 * One connection per plugin instance, made on first use. It fails fast instead of queueing
 * (a coordinator that is down must cost a build seconds, not minutes), and a connection that gave
 * up is replaced on the next use, so a server that comes back is used again.
 */
export class RedisConnection {
  readonly #options: ResolvedRedisOptions;
  #client: Redis | undefined;
  #connecting: Promise<void> = Promise.resolve();

  constructor(options: ResolvedRedisOptions) {
    this.#options = options;
  }

  async client(): Promise<Redis> {
    // ioredis loads on first use: a host that adds the plugin but never coordinates a build (every
    // CLI command given --coordinator, a hit) does not pay for it. Loaded before the check below,
    // so concurrent callers still share one connection.
    const { Redis } = await import("ioredis");
    const current = this.#client;
    // Concurrent builds share one connection, the one being made included.
    if (current && current.status !== "end" && current.status !== "close") {
      await this.#connecting;
      return current;
    }
    const o = this.#options;
    const client = new Redis(o.url, {
      username: o.username,
      password: o.password,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: o.connectTimeoutMs,
      commandTimeout: Math.max(o.connectTimeoutMs, 1_000),
      retryStrategy: () => null,
    });
    // Errors surface on the commands; an unhandled 'error' event would crash the host.
    client.on("error", () => {});
    this.#client = client;
    this.#connecting = client.connect().catch((cause: unknown) => {
      client.disconnect();
      throw cause;
    });
    await this.#connecting;
    return client;
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client) await client.quit().catch(() => client.disconnect());
  }
}
