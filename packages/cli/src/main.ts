import { Command, CommanderError, Help, Option } from "commander";
import type { EnginePlugin } from "@envforge/core/plugin-kit";
import { registerBuild } from "./commands/build.js";
import { registerBuildAll } from "./commands/build-all.js";
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
import { registerLog } from "./commands/log.js";
import { registerExplain } from "./commands/explain.js";
import { registerHash } from "./commands/hash.js";
import { registerSchema } from "./commands/schema.js";
import { registerValidate } from "./commands/validate.js";
import { loadConfiguredPlugins } from "./config-plugins.js";
import type { CommandContext } from "./context.js";
import { environmentHelp } from "./environment.js";
import { EXIT, reportError } from "./exit-codes.js";
import { Interrupt, signalExitCode } from "./interrupt.js";
import { processIO, type CliIO } from "./io.js";
import { addFlags } from "./flag-options.js";
import { GLOBAL_FLAGS } from "./flag-table.js";
import { versionAnswer } from "./version.js";

/** How `--version` shows in `envforge --help` (and in completion scripts, as a root flag). */
export const VERSION_OPTION = new Option("-V, --version", "print the version of envforge (with --json: name, version and Node's)");

export interface MainOptions {
  io?: CliIO;
  plugins?: EnginePlugin[];
}

/** The program's flags by option name (`cacheDir`, `registryPush`), handed to the command that runs. */
const GLOBAL_OPTIONS = GLOBAL_FLAGS.map((spec) => new Option(spec.flags, spec.description).attributeName());

export function createProgram(ctx: CommandContext): Command {
  // The global flags come from flag-table.ts, which the quick path reads too.
  const program = addFlags(new Command("envforge"), GLOBAL_FLAGS)
    .description("reproducible environments: hash a definition, reuse its cached build, build only on a miss")
    // `--version` is answered before parsing (versionAnswer), not by commander: the program's
    // options are read after any command too, and `register --version V` is register's own.
    .configureHelp({
      visibleOptions(this: Help, command: Command) {
        const options = Help.prototype.visibleOptions.call(this, command);
        return command.parent === null ? [VERSION_OPTION, ...options] : options;
      },
    })
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
  // Plugins from outside (envforge.config.*, --plugin) join every command's engine; a broken one is an input error.
  program.hook("preAction", async (root) => {
    ctx.extraPlugins.push(...(await loadConfiguredPlugins(ctx.io, (root.getOptionValue("plugin") as string[] | undefined) ?? [])));
  });
  registerHash(program, ctx);
  registerValidate(program, ctx);
  registerExplain(program, ctx);
  registerBuild(program, ctx);
  registerBuildAll(program, ctx);
  registerRun(program, ctx);
  registerCache(program, ctx);
  registerSchema(program, ctx);
  registerDockerfile(program, ctx);
  registerDetails(program, ctx);
  registerLog(program, ctx);
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
  const ctx: CommandContext = { io, extraPlugins: [...(options.plugins ?? [])], exitCode: EXIT.ok, interrupt: new Interrupt() };
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
    // Connections a command opened (the coordinator's) must not keep the process alive.
    await Promise.all((ctx.closers ?? []).map((close) => close().catch(() => undefined)));
  }
}
