import { definePlugin, type EnginePlugin } from "@envforge/core";
import type { Claim, CoordinateContext, CacheKey } from "@envforge/core/plugin-kit";
import { RedisConnection } from "./connection.js";
import { RedisLeases, type HeldLease } from "./leases.js";
import { resolveRedisOptions, type RedisCoordinatorOptions } from "./options.js";
import { waitUntil } from "./wait.js";

export const REDIS_PLUGIN = "redis";

declare module "@envforge/core" {
  interface WarningCodeRegistry {
    W_REDIS_UNREACHABLE: true;
    W_REDIS_LEASE_LOST: true;
    W_REDIS_WAIT_DEADLINE: true;
  }
}

const reasonOf = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause));

/**
 * One build per (hash, target) across every machine that shares a Redis server: before a worker
 * builds on a miss it takes a lease; a worker that finds the lease held waits for it to go, then
 * the engine looks up again — the registry cache now answers — instead of building. A holder
 * that dies stops renewing, and its lease expires after the TTL. Redis unreachable is a warning:
 * the build goes on with the local lock only.
 */
export function redisCoordinatorPlugin(options: RedisCoordinatorOptions): EnginePlugin & { close(): Promise<void> } {
  const o = resolveRedisOptions(options);
  const connection = new RedisConnection(o);
  const plugin = definePlugin({
    name: REDIS_PLUGIN,
    warnings: {
      W_REDIS_UNREACHABLE: { meaning: "The Redis coordinator did not answer; this build is coordinated on this machine only.", hint: "check the coordinator URL and that the server runs" },
      W_REDIS_LEASE_LOST: { meaning: "A build's lease expired and another worker took it over; both may build (the later entry wins)." },
      W_REDIS_WAIT_DEADLINE: { meaning: "Another worker's build of the same key took longer than the wait deadline; this worker builds too." },
    },
    apply(engine) {
      engine.hooks.coordinate.tapPromise(REDIS_PLUGIN, async (key: CacheKey, ctx: CoordinateContext): Promise<Claim | undefined> => {
        if (!o.targets.has(key.target)) return undefined;
        const name = `lease:${key.target}:${key.hash}`;
        const unreachable = (cause: unknown): undefined => {
          ctx.warn("W_REDIS_UNREACHABLE", `coordinator ${o.url}: ${reasonOf(cause)}; building with the local lock only`, "check the coordinator URL and that the server runs");
          return undefined;
        };
        let leases: RedisLeases;
        try {
          leases = new RedisLeases(await connection.client(), { prefix: o.prefix, ttlMs: o.ttlMs });
        } catch (cause) {
          return unreachable(cause);
        }
        const deadline = Date.now() + o.waitMs;
        try {
          const got = await leases.acquire(name);
          if ("renew" in got) return held(got, ctx, o.ttlMs);
          const holder = got.heldBy;
          ctx.emit({ type: "lock.wait", hash: key.hash, target: key.target, holder: holder && { host: holder.host, pid: holder.pid, since: holder.since }, staleMs: o.ttlMs });
          const released = await waitUntil(async () => (await leases.holder(name))?.id !== holder?.id, { deadlineMs: deadline - Date.now(), pollMs: o.pollMs, signal: ctx.signal });
          if (!released) {
            ctx.warn("W_REDIS_WAIT_DEADLINE", `${holder ? `${holder.host} (pid ${holder.pid})` : "another worker"} is still building ${key.hash} for ${key.target}; building here too`);
            return undefined;
          }
          // The holder is gone: it finished (the engine's next lookup hits) or it died (we take over).
          if (ctx.signal.aborted) throw ctx.signal.reason;
          return { kind: "released" };
        } catch (cause) {
          if (ctx.signal.aborted) throw cause;
          return unreachable(cause);
        }
      });
    },
  });
  return { ...plugin, close: () => connection.close() };
}

/** The claim of a lease we hold: renewed every third of its TTL until the build is done. */
function held(lease: HeldLease, ctx: CoordinateContext, ttlMs: number): Claim {
  let lost = false;
  const timer = setInterval(() => {
    lease.renew().then(
      (ours) => {
        if (!ours && !lost) {
          lost = true;
          ctx.warn("W_REDIS_LEASE_LOST", `the lease on ${lease.name} expired and another worker took it over; both may build`);
        }
      },
      () => {
        // The server went away: the build goes on; the lease expires by itself.
      },
    );
  }, Math.max(100, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    kind: "build",
    fence: lease.holder.fence,
    holder: `${lease.holder.host}:${lease.holder.pid}`,
    release: async () => {
      clearInterval(timer);
      await lease.release().catch(() => {});
    },
  };
}
