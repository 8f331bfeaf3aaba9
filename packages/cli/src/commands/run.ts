import type { Command } from "commander";
import { createError, isEnvforgeError, type Activation, type Engine, type ResolvedActivation } from "@envforge/core/plugin-kit";
import type { WorkspaceBuildResult } from "@envforge/workspace";
import { builderOptionsOf, withBuildRequestFlags, type BuildRequestFlags } from "../build-request.js";
import { reportError } from "../exit-codes.js";
import { activationScript } from "../activation-script.js";
import { timeoutMsOf } from "../timeout-flag.js";
import { printJson, workspaceFor, type CommandContext } from "../context.js";

interface RunFlags extends BuildRequestFlags {
  mountCwd?: boolean;
}

/**
 * Resolves and builds on a miss exactly as `envforge build` does (same flags, same default
 * target), with every event on stderr: what the caller does next gets a clean stdout.
 */
async function built(ctx: CommandContext, ref: string, flags: RunFlags, tty = false): Promise<{ out: WorkspaceBuildResult; activation: ResolvedActivation; engine: Engine }> {
  const timeoutMs = timeoutMsOf(flags.timeout);
  const { workspace, engine } = workspaceFor(ctx, flags);
  const builderOptions = builderOptionsOf(ctx, flags);
  // Until the command starts, Ctrl-C / SIGTERM abort the build as they do for `build`.
  const signal = ctx.interrupt.signal();
  const out = await workspace.build(ref, { target: flags.target, rebuild: flags.rebuild, builderOptions, signal, timeoutMs }, { register: flags.register });
  const activation = await engine.activation(out.result.entry, {
    spec: out.spec,
    options: builderOptions,
    tty,
    runOptions: { mountCwd: flags.mountCwd === true, cwd: ctx.io.cwd },
  });
  return { out, activation, engine };
}

function refuseJson(flags: RunFlags, command: string): void {
  if (flags.json) {
    throw createError("E_INVALID_VALUE", `${command} has no --json: the command's own output is what it prints`, { field: "--json", hint: "envforge activate REF --json gives the activation as JSON" });
  }
}

function sayNotes(ctx: CommandContext, flags: RunFlags, activation: ResolvedActivation): void {
  if (flags.quiet) return;
  for (const note of activation.notes ?? []) ctx.io.err(`envforge: note: ${note}\n`);
}

/**
 * Runs argv inside: the command's status becomes envforge's; while it runs, SIGINT and SIGTERM
 * go to it (and envforge keeps waiting for it). A SIGINT from the terminal already reached the
 * command — it is in the terminal's foreground process group with envforge — so with a terminal
 * on stdin only a SIGINT from elsewhere (`kill -INT`) would be lost; SIGTERM always goes.
 */
async function runInside(ctx: CommandContext, ref: string, command: string[] | ((activation: Activation) => string[]), flags: RunFlags, tty: boolean): Promise<void> {
  const { out, activation, engine } = await built(ctx, ref, flags, tty);
  const argv = typeof command === "function" ? command(activation) : command;
  // A signal that came as the build ended: the command is not started (main exits 128 + n).
  if (ctx.interrupt.received) return;
  sayNotes(ctx, flags, activation);
  try {
    const result = await engine.run(out.result.entry, argv, {
      spec: out.spec,
      options: builderOptionsOf(ctx, flags),
      tty,
      runOptions: { mountCwd: flags.mountCwd === true, cwd: ctx.io.cwd },
      cwd: ctx.io.cwd,
      baseEnv: ctx.io.env,
      stdio: "inherit",
      forward: (send) =>
        ctx.interrupt.forward((signal) => {
          if (signal === "SIGINT" && process.stdin.isTTY === true) return;
          send(signal);
        }),
    });
    ctx.exitCode = result.exitCode;
  } catch (error) {
    const status = isEnvforgeError(error) ? error.details?.exitCode : undefined;
    if (typeof status !== "number") throw error;
    // A command not found (127) or not runnable (126): the shell's statuses, said on stderr.
    reportError(error, ctx.io, false);
    ctx.exitCode = status;
  }
}

export function registerRun(program: Command, ctx: CommandContext): void {
  withBuildRequestFlags(
    program
      .command("run")
      .description("build on a miss (as build does), then run a command inside the environment: its exit status is envforge's")
      .argument("<ref>", "definition file or folder, registered NAME[@VERSION|:LABEL], or curated:NAME")
      .argument("<command...>", "the command and its arguments, after -- (run as given: no shell)"),
  )
    .option("--mount-cwd", "docker/podman: mount the working folder into the container (and work there)")
    .addHelpText("after", "\nExample:\n  envforge run env.yml -- python -c 'import sys; print(sys.prefix)'\n\nBuild output goes to stderr; stdout is the command's. SIGINT/SIGTERM are passed to the command.")
    .action(async (ref: string, argv: string[], flags: RunFlags) => {
      refuseJson(flags, "run");
      await runInside(ctx, ref, argv, flags, false);
    });

  withBuildRequestFlags(
    program
      .command("shell")
      .description("build on a miss, then open an interactive shell inside the environment ($SHELL, else /bin/sh)")
      .argument("<ref>", "definition file or folder, registered NAME[@VERSION|:LABEL], or curated:NAME"),
  )
    .option("--mount-cwd", "docker/podman: mount the working folder into the container (and work there)")
    .action(async (ref: string, flags: RunFlags) => {
      refuseJson(flags, "shell");
      const own = ctx.io.env.SHELL && ctx.io.env.SHELL !== "" ? ctx.io.env.SHELL : "/bin/sh";
      // Inside an image (an activation with a runner) the host's $SHELL may not exist: POSIX sh does.
      // A terminal only when there is one: `docker run -t` refuses a pipe on stdin.
      await runInside(ctx, ref, (activation) => [activation.argvPrefix ? "/bin/sh" : own], flags, process.stdin.isTTY === true);
    });

  withBuildRequestFlags(
    program
      .command("activate")
      .description("build on a miss, then print the activation: export lines for eval \"$(envforge activate REF)\", or --json")
      .argument("<ref>", "definition file or folder, registered NAME[@VERSION|:LABEL], or curated:NAME"),
  ).action(async (ref: string, flags: RunFlags) => {
    const { out, activation } = await built(ctx, ref, flags);
    const entry = out.result.entry;
    if (flags.json) {
      printJson(ctx, {
        ok: true,
        hash: entry.hash,
        target: entry.target,
        generation: entry.generation,
        artifact: entry.artifact,
        env: activation.env,
        unset: activation.unset ?? [],
        pathPrepend: activation.pathPrepend ?? [],
        argvPrefix: activation.argvPrefix,
        variables: out.spec?.variables ?? {},
        notes: activation.notes ?? [],
      });
      return;
    }
    if (activation.argvPrefix) {
      throw createError("E_INVALID_VALUE", `a ${entry.target} environment runs in a container: there is nothing to export into this shell`, {
        field: "--target",
        hint: `envforge run REF --target ${entry.target} -- CMD, or envforge shell REF --target ${entry.target} (--json shows the runner's argv)`,
      });
    }
    sayNotes(ctx, flags, activation);
    ctx.io.out(activationScript(activation));
  });
}
