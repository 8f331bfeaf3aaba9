import { createError, type EnginePlugin } from "@envforge/core/plugin-kit";
import { redisCoordinatorPlugin } from "@envforge/plugin-redis";
import type { CommandContext, GlobalFlags } from "./context.js";

/** Where the coordinator is and how to log in: the URL from a flag or the environment, credentials only from the environment. */
export interface CoordinatorSettings {
  url: string;
  username: string | undefined;
  password: string | undefined;
}

/**
 * `--coordinator redis://HOST:PORT` or `ENVFORGE_COORDINATOR`. It coordinates image builds, whose
 * results other machines take from the registry cache: without one, a worker that waited for
 * another's build would find nothing and build again, so that is refused as a usage error.
 */
export function coordinatorOf(ctx: CommandContext, flags: GlobalFlags): CoordinatorSettings | undefined {
  const env = ctx.io.env;
  const url = flags.coordinator ?? env.ENVFORGE_COORDINATOR;
  if (!url) return undefined;
  if (!(flags.registryCache ?? env.ENVFORGE_REGISTRY_CACHE)) {
    throw createError("E_INVALID_VALUE", "--coordinator needs --registry-cache: the other machines take what one built from the registry cache", {
      field: "--coordinator",
      hint: "give --registry-cache HOST/REPO (or ENVFORGE_REGISTRY_CACHE) with --coordinator (or ENVFORGE_COORDINATOR)",
    });
  }
  return { url, username: env.ENVFORGE_COORDINATOR_USERNAME || undefined, password: env.ENVFORGE_COORDINATOR_PASSWORD || undefined };
}

/**
 * The Redis coordinator plugin for a command; its connection is closed when the command ends
 * (main.ts runs `ctx.closers`), or an idle connection would keep the process alive.
 */
export function coordinatorPlugin(ctx: CommandContext, settings: CoordinatorSettings): EnginePlugin {
  const plugin = redisCoordinatorPlugin(settings);
  (ctx.closers ??= []).push(() => plugin.close());
  return plugin;
}
