import { randomUUID } from "node:crypto";
import os from "node:os";
import type { Redis } from "ioredis";

/**
 * Leases in Redis: one holder per name across every machine that shares the server. A lease is
 * `SET name value NX PX ttl`; its holder renews it while it works and deletes it when done, each
 * only while the value is still its own (a Lua script compares first, so a holder whose lease
 * expired and was taken over never renews or deletes the new holder's). Every lease carries a
 * fencing token from one counter (`INCR`): later leases get larger tokens, so a record written by
 * a holder that lost its lease can be told from the current holder's.
 */

const RENEW = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

/** Who holds a lease: written as the lease's value (JSON). */
export interface LeaseHolder {
  fence: number;
  host: string;
  pid: number;
  since: string;
  /** Unique per acquisition: what renew and release compare. */
  id: string;
}

export interface HeldLease {
  readonly name: string;
  readonly holder: LeaseHolder;
  /** Extends the lease by its TTL; false when it is no longer ours (expired and taken over). */
  renew(): Promise<boolean>;
  /** Gives the lease up (only if it is still ours). */
  release(): Promise<void>;
}

export class RedisLeases {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(redis: Redis, options: { prefix: string; ttlMs: number }) {
    this.#redis = redis;
    this.#prefix = options.prefix;
    this.#ttlMs = options.ttlMs;
  }

  /** Takes the lease, or returns who holds it. */
  async acquire(name: string): Promise<HeldLease | { heldBy: LeaseHolder | undefined }> {
    const key = this.#prefix + name;
    const fence = await this.#redis.incr(`${this.#prefix}fence`);
    const holder: LeaseHolder = { fence, host: os.hostname(), pid: process.pid, since: new Date().toISOString(), id: randomUUID() };
    const value = JSON.stringify(holder);
    const ok = await this.#redis.set(key, value, "PX", this.#ttlMs, "NX");
    if (ok !== "OK") return { heldBy: await this.holder(name) };
    const redis = this.#redis;
    const ttl = this.#ttlMs;
    return {
      name,
      holder,
      async renew() {
        return (await redis.eval(RENEW, 1, key, value, String(ttl))) === 1;
      },
      async release() {
        await redis.eval(RELEASE, 1, key, value);
      },
    };
  }

  /** The current holder of a lease, if any. */
  async holder(name: string): Promise<LeaseHolder | undefined> {
    const value = await this.#redis.get(this.#prefix + name);
    if (value === null) return undefined;
    try {
      return JSON.parse(value) as LeaseHolder;
    } catch {
      return undefined;
    }
  }
}
