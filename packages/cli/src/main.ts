import { Command, CommanderError, Help, Option } from "commander";
import type { EnginePlugin } from "@envforge/core/plugin-kit";
import { loadConfiguredPlugins, type ImportModule } from "./config-plugins.js";
import type { CommandContext } from "./context.js";
import { environmentHelp } from "./environment.js";
import { EXIT, reportError } from "./exit-codes.js";
import { Interrupt, signalExitCode } from "./interrupt.js";
import { processIO, type CliIO } from "./io.js";
import { addFlags } from "./flag-options.js";
import { commandWord } from "./command-word.js";
import { GLOBAL_FLAGS } from "./flag-table.js";
import { versionAnswer } from "./version.js";

/** How `--version` shows in `envforge --help` (and in completion scripts, as a root flag). */
export const VERSION_OPTION = new Option("-V, --version", "print the version of envforge (with --json: name, version and Node's)");

export interface MainOptions {
  io?: CliIO;
  plugins?: EnginePlugin[];
  /** How envforge.config.* and --plugin modules are imported (the binary's own `import()`; default this module's). */
  importModule?: ImportModule;
}

type Register = (program: Command, ctx: CommandContext) => void;

/**
 * Every top-level command, in help order, with the module that declares it. A command's module
 * (and the code only it needs: the image package for `dockerfile`, the lock writer for `lock`…)
 * is imported (in the binary's bundle: initialised) only when that command runs: `envforge hash` parses its arguments with only `hash`
 * declared. Help, completion and anything unrecognised declare them all.
 */
const COMMANDS: ReadonlyArray<readonly [names: readonly string[], load: () => Promise<Register>]> = [
  [["hash"], async () => (await import("./commands/hash.js")).registerHash],
  [["validate"], async () => (await import("./commands/validate.js")).registerValidate],
  [["explain"], async () => (await import("./commands/explain.js")).registerExplain],
  [["build"], async () => (await import("./commands/build.js")).registerBuild],
  [["build-all"], async () => (await import("./commands/build-all.js")).registerBuildAll],
  [["run", "shell", "activate"], async () => (await import("./commands/run.js")).registerRun],
  [["cache"], async () => (await import("./commands/cache.js")).registerCache],
  [["schema"], async () => (await import("./commands/schema.js")).registerSchema],
  [["dockerfile"], async () => (await import("./commands/dockerfile.js")).registerDockerfile],
  [["details"], async () => (await import("./commands/details.js")).registerDetails],
  [["log"], async () => (await import("./commands/log.js")).registerLog],
  [["image-details"], async () => (await import("./commands/image-details.js")).registerImageDetails],
  [["import"], async () => (await import("./commands/import.js")).registerImport],
  [["lock"], async () => (await import("./commands/lock.js")).registerLock],
  [["register", "save", "env"], async () => (await import("./commands/env.js")).registerEnvCommands],
  [["pin", "check"], async () => (await import("./commands/reproducibility.js")).registerReproducibility],
  [["completion"], async () => (await import("./commands/completion.js")).registerCompletion],
];

/** The program's flags by option name (`cacheDir`, `registryPush`), handed to the command that runs. */
const GLOBAL_OPTIONS = GLOBAL_FLAGS.map((spec) => new Option(spec.flags, spec.description).attributeName());

/**
 * The `envforge` program: every command, or with `argv` only the command it runs (when it names
 * one: see `commandWord`).
 */
export async function createProgram(ctx: CommandContext, argv?: readonly string[]): Promise<Command> {
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
    ctx.extraPlugins.push(...(await loadConfiguredPlugins(ctx.io, (root.getOptionValue("plugin") as string[] | undefined) ?? [], ctx.importModule)));
  });
  const word = argv === undefined ? undefined : commandWord(argv);
  const only = COMMANDS.find(([names]) => word !== undefined && word !== "completion" && names.includes(word));
  for (const register of await Promise.all((only ? [only] : COMMANDS).map(([, load]) => load()))) register(program, ctx);
  return program;
}

/** Runs the CLI and returns its exit code (see exit-codes.ts); never throws, never prints a stack. */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const io = options.io ?? processIO();
  const version = versionAnswer(argv, io);
  if (version !== undefined) return version;
  const ctx: CommandContext = { io, extraPlugins: [...(options.plugins ?? [])], exitCode: EXIT.ok, interrupt: new Interrupt(), importModule: options.importModule };
  const stopListening = ctx.interrupt.listen();
  try {
    const program = await createProgram(ctx, argv);
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
