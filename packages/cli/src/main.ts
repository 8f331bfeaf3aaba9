import { Command, CommanderError, Help, Option } from "commander";
import type { EnginePlugin } from "@envforge/core/plugin-kit";
import { registerBuild } from "./commands/build.js";
import { registerCache } from "./commands/cache.js";
import { registerCompletion } from "./commands/completion.js";
import { registerDockerfile } from "./commands/dockerfile.js";
import { registerEnvCommands } from "./commands/env.js";
import { registerReproducibility } from "./commands/reproducibility.js";
import { registerRun } from "./commands/run.js";
import { registerImageDetails } from "./commands/image-details.js";
import { registerDetails } from "./commands/details.js";
import { registerImport } from "./commands/import.js";
import { registerLock } from "./commands/lock.js";
import { registerExplain } from "./commands/explain.js";
import { registerHash } from "./commands/hash.js";
import { registerSchema } from "./commands/schema.js";
import { registerValidate } from "./commands/validate.js";
import type { CommandContext } from "./context.js";
import { environmentHelp } from "./environment.js";
import { EXIT, reportError } from "./exit-codes.js";
import { Interrupt, signalExitCode } from "./interrupt.js";
import { processIO, type CliIO } from "./io.js";
import { collectList } from "./policy-flags.js";
import { PROGRESS_STYLES } from "./render.js";
import { versionAnswer } from "./version.js";

/** How `--version` shows in `envforge --help` (and in completion scripts, as a root flag). */
export const VERSION_OPTION = new Option("-V, --version", "print the version of envforge (with --json: name, version and Node's)");

export interface MainOptions {
  io?: CliIO;
  plugins?: EnginePlugin[];
}

const GLOBAL_OPTIONS = [
  "cacheDir",
  "json",
  "quiet",
  "progress",
  "allowOutsideFiles",
  "registryCache",
  "registryInsecure",
  "registryCredentials",
  "registryPush",
  // The host policy (policy-flags.ts); quick-build.ts reads the same flags.
  "strict",
  "passEnv",
  "allowIndexHost",
  "allowRegistry",
  "allowDockerSteps",
  "allowUserManaged",
  "allowVariable",
] as const;

export function createProgram(ctx: CommandContext): Command {
  const program = new Command("envforge")
    .description("reproducible environments: hash a definition, reuse its cached build, build only on a miss")
    // `--version` is answered before parsing (versionAnswer), not by commander: the program's
    // options are read after any command too, and `register --version V` is register's own.
    .configureHelp({
      visibleOptions(this: Help, command: Command) {
        const options = Help.prototype.visibleOptions.call(this, command);
        return command.parent === null ? [VERSION_OPTION, ...options] : options;
      },
    })
    .option("--cache-dir <dir>", "local cache folder (default: $ENVFORGE_CACHE_DIR or ~/.cache/envforge)")
    .option("--json", "machine-readable output: the result as JSON on stdout, events as JSON lines on stderr")
    .option("-q, --quiet", "only warnings and the result")
    .addOption(new Option("--progress <style>", "events on stderr: tty (a live view of stages and steps), plain (lines), json (JSON lines); auto: tty on a terminal, else plain").choices(PROGRESS_STYLES).default("auto"))
    .option("--allow-outside-files", "let definitions reference files outside their own folder")
    .option("--strict", "definitions from strangers: start from the strict host policy (no custom steps, user-managed interpreters, package sources or registries not allowed below, variables like LD_PRELOAD)")
    .option("--pass-env <name>", "a host variable a ${NAME} in a definition may expand to (repeatable, or comma-separated)", collectList)
    .option("--allow-index-host <host>", "under --strict: a package index / find-links / channel host definitions may name (repeatable)", collectList)
    .option("--allow-registry <registry>", "under --strict: a registry base images may come from, e.g. docker.io (repeatable)", collectList)
    .option("--allow-docker-steps", "under --strict: allow docker.steps and docker.baseDockerfile")
    .option("--allow-user-managed", "under --strict: allow user-managed interpreters (python.userManaged)")
    .option("--allow-variable <name>", "under --strict: let definitions set this variable (or pattern, e.g. 'PIP_*') (repeatable)", collectList)
    .option("--registry-cache <host/repo>", "shared image cache in an OCI registry (or ENVFORGE_REGISTRY_CACHE); credentials from ENVFORGE_REGISTRY_USERNAME/PASSWORD")
    .option("--registry-insecure", "the registry speaks plain HTTP (a local registry)")
    .option("--registry-credentials <config.json>", "docker config.json with the registry's credentials")
    .option("--no-registry-push", "only pull from the registry cache, never push")
    .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) })
    .exitOverride()
    .showHelpAfterError("(run envforge --help for usage)")
    .addHelpText("after", environmentHelp());
  // Global flags may come before or after the command; hand them to the command that runs.
  program.hook("preAction", (root, action) => {
    for (const key of GLOBAL_OPTIONS) {
      const value = root.getOptionValue(key);
      if (value !== undefined && action.getOptionValue(key) === undefined) action.setOptionValue(key, value);
    }
  });
  registerHash(program, ctx);
  registerValidate(program, ctx);
  registerExplain(program, ctx);
  registerBuild(program, ctx);
  registerRun(program, ctx);
  registerCache(program, ctx);
  registerSchema(program, ctx);
  registerDockerfile(program, ctx);
  registerDetails(program, ctx);
  registerImageDetails(program, ctx);
  registerImport(program, ctx);
  registerLock(program, ctx);
  registerEnvCommands(program, ctx);
  registerReproducibility(program, ctx);
  registerCompletion(program, ctx);
  return program;
}

/** Runs the CLI and returns its exit code (see exit-codes.ts); never throws, never prints a stack. */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const io = options.io ?? processIO();
  const version = versionAnswer(argv, io);
  if (version !== undefined) return version;
  const ctx: CommandContext = { io, extraPlugins: options.plugins ?? [], exitCode: EXIT.ok, interrupt: new Interrupt() };
  const program = createProgram(ctx);
  const stopListening = ctx.interrupt.listen();
  try {
    await program.parseAsync(argv, { from: "user" });
    return ctx.interrupt.received ? signalExitCode(ctx.interrupt.received) : ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.input;
    }
    // After `--` the words are a command's (`envforge run REF -- tool --json`), not envforge's flags.
    const own = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv;
    const code = reportError(error, io, own.includes("--json"));
    // Interrupted: the command has cleaned up and said so; the shell's convention is 128 + signal.
    return ctx.interrupt.received ? signalExitCode(ctx.interrupt.received) : code;
  } finally {
    stopListening();
  }
}
