export { redisCoordinatorPlugin, REDIS_PLUGIN } from "./plugin.js";
export { resolveRedisOptions, type RedisCoordinatorOptions, type ResolvedRedisOptions } from "./options.js";
export { RedisLeases, type HeldLease, type LeaseHolder } from "./leases.js";
