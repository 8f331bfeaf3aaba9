import { createEngine, createError, type Engine, type EnginePlugin, type HostPolicy } from "@envforge/core/plugin-kit";
import { Workspace } from "@envforge/workspace";
import type { ImportModule } from "./config-plugins.js";
import type { Interrupt } from "./interrupt.js";
import { writeJson, type CliIO } from "./io.js";
import { resolvePath } from "./paths.js";
import { PolicyFlagError, policyFromFlags, type PolicyFlags } from "./policy-flags.js";
import { CLI_PIPELINE_ID } from "./pipeline.js";
import { bundledPlugins, type RemoteCacheSettings } from "./plugins.js";
import { coordinatorOf, coordinatorPlugin } from "./coordinator.js";
import { cliEvents } from "./cli-events.js";
import { createRenderer, renderMode, type RenderMode } from "./render.js";

/** Flags every command shares (the host policy's among them: policy-flags.ts). */
export interface GlobalFlags extends PolicyFlags {
  cacheDir?: string;
  json?: boolean;
  quiet?: boolean;
  /** `--progress`: auto, tty, plain or json (render.ts). */
  progress?: string;
  registryCache?: string;
  registryInsecure?: boolean;
  registryCredentials?: string;
  registryPush?: boolean;
  /** `--coordinator redis://HOST:PORT` (coordinator.ts). */
  coordinator?: string;
}

export interface CommandContext {
  io: CliIO;
  /**
   * Extra plugins: a host embedding the CLI adds them (tests use it for fault injection), and
   * envforge.config.* / --plugin add theirs before the command runs (config-plugins.ts).
   */
  extraPlugins: EnginePlugin[];
  /** The exit code a command wants when it did not throw. */
  exitCode: number;
  /** SIGINT/SIGTERM: a command that stops cleanly takes `interrupt.signal()` (interrupt.ts). */
  interrupt: Interrupt;
  /** Run by main.ts when the command ends: connections that would keep the process alive (the coordinator's). */
  closers?: Array<() => Promise<void>>;
  /** How envforge.config.* and --plugin modules are imported (main.ts's `MainOptions.importModule`). */
  importModule?: ImportModule | undefined;
}

export { resolvePath } from "./paths.js";

export function cacheDirOf(ctx: CommandContext, flags: GlobalFlags): string | undefined {
  const dir = flags.cacheDir ?? ctx.io.env.ENVFORGE_CACHE_DIR;
  return dir === undefined ? undefined : resolvePath(ctx.io, dir);
}

export function remoteOf(ctx: CommandContext, flags: GlobalFlags): RemoteCacheSettings | undefined {
  const env = ctx.io.env;
  const location = flags.registryCache ?? env.ENVFORGE_REGISTRY_CACHE;
  if (!location) return undefined;
  return {
    location,
    insecure: flags.registryInsecure ?? env.ENVFORGE_REGISTRY_INSECURE === "1",
    credentialsFile: flags.registryCredentials ?? env.ENVFORGE_REGISTRY_CREDENTIALS,
    username: env.ENVFORGE_REGISTRY_USERNAME,
    password: env.ENVFORGE_REGISTRY_PASSWORD,
    push: flags.registryPush,
  };
}

/** An engine with the bundled plugins, whose events are rendered according to the flags. */
export function engineFor(ctx: CommandContext, flags: GlobalFlags, more: { readOnly?: boolean } = {}): { engine: Engine; mode: RenderMode } {
  const mode = renderMode(ctx.io, flags);
  // A dry run never builds, so it never asks the coordinator.
  const coordinator = more.readOnly ? undefined : coordinatorOf(ctx, flags);
  const engine = createEngine({
    // A dry run: the engine writes nothing (no memo, seal, backfill, pull) and never builds.
    readOnly: more.readOnly,
    plugins: [...bundledPlugins(remoteOf(ctx, flags)), ...(coordinator ? [coordinatorPlugin(ctx, coordinator)] : []), ...ctx.extraPlugins],
    // The coordinator's password is masked in every event and log line, as a builder secret is.
    secrets: coordinator?.password ? [coordinator.password] : undefined,
    cacheDir: cacheDirOf(ctx, flags),
    // Relative paths in builder options (-o pip.findLinks=./wheels) are the user's, as the flags' are.
    baseDir: ctx.io.cwd,
    policy: policyOf(flags),
    // Extra plugins (a host's, a test's) are not what the pipeline id names: no source memo then.
    pipelineId: ctx.extraPlugins.length === 0 ? CLI_PIPELINE_ID : undefined,
  });
  engine.hooks.event.tap("envforge-cli", cliEvents(createRenderer(ctx.io, mode)));
  return { engine, mode };
}

/** The host policy the flags describe; a contradictory flag is a usage error (exit 1). */
export function policyOf(flags: PolicyFlags): HostPolicy {
  try {
    return policyFromFlags(flags);
  } catch (cause) {
    if (!(cause instanceof PolicyFlagError)) throw cause;
    throw createError("E_INVALID_VALUE", cause.message, { field: "--allow-variable", hint: "see `envforge --help` for the policy flags" });
  }
}

export function printJson(ctx: CommandContext, value: unknown): void {
  writeJson(ctx.io, value);
}

/** An engine plus the workspace (registry beside the cache, curated environments by name). */
export function workspaceFor(
  ctx: CommandContext,
  flags: GlobalFlags & { register?: boolean },
  more: { readOnly?: boolean } = {},
): { engine: Engine; workspace: Workspace; mode: RenderMode } {
  const { engine, mode } = engineFor(ctx, flags, more);
  const workspace = new Workspace({ engine, autoRegister: flags.register !== false, cwd: ctx.io.cwd });
  return { engine, workspace, mode };
}
