import { existsSync } from "node:fs";
import { constants } from "node:os";
import path from "node:path";
// execa (about 80 ms to load) only when a process runs: commands that never start one do not pay for it.
import type { Activation, ActivationContext, ResolvedActivation } from "./activation.js";
import type { BuilderOptions } from "../build/build-types.js";
import { acquireLease } from "../cache/lease.js";
import type { CacheEntry } from "../cache/types.js";
import { createError } from "../errors/factories.js";
import type { EngineHooks } from "../hooks.js";
import type { ParsedSpec } from "../definition/spec.js";

/** What `engine.activation` needs besides the entry. */
export interface ActivationRequest {
  /** The definition the entry was built from (its runtime `variables`, its sections). */
  spec?: ParsedSpec | undefined;
  /** The runtime variables to set; default `spec.variables`. */
  variables?: Readonly<Record<string, string>> | undefined;
  /** Builder options (`docker.*`, `podman.*`: which engine runs an image). */
  options?: BuilderOptions | undefined;
  /** Pass stdin through as a terminal (an interactive shell). */
  tty?: boolean | undefined;
  /** Runner options (`mountCwd` for image runs). */
  runOptions?: Readonly<Record<string, unknown>> | undefined;
}

export interface RunRequest extends ActivationRequest {
  /** execa's stdio: default `inherit` (the command talks to this process's terminal or pipes). */
  stdio?: "inherit" | "pipe" | "ignore" | ReadonlyArray<"inherit" | "pipe" | "ignore"> | undefined;
  /**
   * Aborting forwards a signal to the command: the abort reason when it is a signal name
   * (`controller.abort("SIGINT")`), else SIGTERM. The run still ends with the command's status.
   */
  signal?: AbortSignal | undefined;
  /** Forward each signal sent through this (several Ctrl-C reach a REPL): set by `run` before it starts the command. */
  forward?: ((send: (signal: NodeJS.Signals) => void) => () => void) | undefined;
  cwd?: string | undefined;
  /** The host environment the activation applies to. Default `process.env`. */
  baseEnv?: NodeJS.ProcessEnv | undefined;
  /** Collect the command's stdout/stderr (with `stdio: "pipe"`). */
  onOutput?: ((stream: "stdout" | "stderr", chunk: string) => void) | undefined;
}

export interface RunResult {
  /** The command's exit status; 128 + n when a signal n ended it (the shell's convention). */
  exitCode: number;
  /** The signal that ended the command, if one did. */
  signal?: string | undefined;
}

/** The target's activation of `entry`, with the runtime variables applied (activation.ts). */
export async function resolveActivation(hooks: EngineHooks, entry: CacheEntry, request: ActivationRequest = {}): Promise<ResolvedActivation> {
  const hook = hooks.activate.get(entry.target);
  const cannot = () =>
    createError("E_NO_BUILDER", `target "${entry.target}" cannot be run: no loaded plugin activates its builds`, {
      hint: "run, shell and activate work with the targets venv, conda, spark, docker and podman",
    });
  if (!hook?.isUsed()) throw cannot();
  const variables = { ...(request.variables ?? request.spec?.variables ?? {}) };
  const ctx: ActivationContext = {
    spec: request.spec,
    variables,
    options: request.options ?? {},
    tty: request.tty ?? false,
    runOptions: request.runOptions ?? {},
  };
  const activation: Activation | undefined = await hook.promise(entry, ctx);
  if (!activation) throw cannot();
  // Runtime variables come last: they are what the definition asks to be set, over the target's.
  // An image runner's tap has placed them itself (by name, `--env NAME`, with the value in its
  // `env`; on its command line for a name its CLI reads, such as PATH or DOCKER_HOST): set here
  // again, they would change the runner on the host, not the command inside.
  const env = activation.argvPrefix ? { ...activation.env } : { ...activation.env, ...variables };
  const unset = (activation.unset ?? []).filter((name) => !(name in env));
  return {
    ...activation,
    env,
    unset: unset.length > 0 ? unset : undefined,
    entry,
  };
}

/** The environment a command runs with: the host's minus `unset`, plus `env`, PATH prepended. */
export function activatedEnv(activation: Activation, base: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) if (value !== undefined) env[name] = value;
  for (const name of activation.unset ?? []) delete env[name];
  Object.assign(env, activation.env);
  if (!activation.argvPrefix && activation.pathPrepend && activation.pathPrepend.length > 0) {
    const rest = env.PATH ?? "";
    env.PATH = [...activation.pathPrepend, ...(rest === "" ? [] : [rest])].join(path.delimiter);
  }
  return env;
}

/**
 * Runs `argv` inside the entry's environment: no shell (arguments reach the program unchanged),
 * the activation's environment, or the image runner's argv in front. While it runs, a lease holds
 * the entry against `cache gc` (cache/lease.ts). Returns the command's exit status.
 */
export async function runInside(hooks: EngineHooks, cacheRoot: string, entry: CacheEntry, argv: readonly string[], request: RunRequest = {}): Promise<RunResult> {
  if (argv.length === 0 || argv[0] === "") {
    throw createError("E_MISSING_FIELD", "no command to run", { hint: "give the command after --: envforge run REF -- python -V" });
  }
  const activation = await resolveActivation(hooks, entry, request);
  const release = await acquireLease(cacheRoot, entry).catch(() => undefined);
  try {
    // Checked under the lease: gc removed nothing since, and removes nothing until it is released.
    if (entry.artifact.path && !entry.artifact.reference && !existsSync(entry.artifact.path)) {
      throw createError("E_NOT_FOUND", `the build of ${entry.hash} for ${entry.target} is gone (${entry.artifact.path}): removed by cache gc meanwhile?`, {
        hint: "run the command again: it builds the environment anew",
      });
    }
    const env = activatedEnv(activation, request.baseEnv ?? process.env);
    const [file, ...args] = activation.argvPrefix ? [...activation.argvPrefix, ...argv] : argv;
    const { execa } = await import("execa");
    const child = execa(file!, args, {
      env,
      extendEnv: false,
      cwd: request.cwd,
      // The caller's choice: inherit (a terminal, a pipe) or pipe (a host reading the output).
      stdio: (request.stdio ?? "inherit") as "pipe",
      reject: false,
      stripFinalNewline: false,
      buffer: false,
    });
    if (request.onOutput) {
      child.stdout?.on("data", (chunk: Buffer) => request.onOutput!("stdout", chunk.toString("utf8")));
      child.stderr?.on("data", (chunk: Buffer) => request.onOutput!("stderr", chunk.toString("utf8")));
    }
    const send = (signal: NodeJS.Signals) => {
      if (child.exitCode === null) child.kill(signal);
    };
    const onAbort = () => send(isSignalName(request.signal?.reason) ? request.signal.reason : "SIGTERM");
    request.signal?.addEventListener("abort", onAbort, { once: true });
    if (request.signal?.aborted) onAbort();
    const stopForwarding = request.forward?.(send);
    try {
      const result = await child;
      if (result.failed && result.exitCode === undefined && result.signal === undefined) {
        const errno = (result.cause as NodeJS.ErrnoException | undefined)?.code;
        const missing = errno === "ENOENT";
        throw createError(missing ? "E_TOOL_NOT_FOUND" : "E_INVALID_VALUE", missing ? `command not found in the environment: ${file}` : `cannot run ${file}: ${errno ?? result.shortMessage}`, {
          hint: missing ? "check its name; PATH inside starts with the environment's bin folder" : "check that it is an executable program",
          details: { exitCode: missing ? 127 : 126 },
        });
      }
      if (result.signal) return { exitCode: 128 + (constants.signals[result.signal] ?? 0), signal: result.signal };
      return { exitCode: result.exitCode ?? 0 };
    } finally {
      stopForwarding?.();
      request.signal?.removeEventListener("abort", onAbort);
    }
  } finally {
    await release?.();
  }
}

function isSignalName(value: unknown): value is NodeJS.Signals {
  return typeof value === "string" && value in constants.signals;
}
