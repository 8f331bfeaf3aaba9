import { constants } from "node:os";
import { createError } from "@envforge/core/plugin-kit";

/** The shell's convention for a process ended by a signal: 128 + its number (SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM"];

/**
 * Ctrl-C (SIGINT) and SIGTERM during one command. A command that can stop cleanly (a build:
 * the engine kills what it started, removes its partial artifact and releases its lock) asks for
 * `signal()`; the first signal aborts it, and the CLI exits 128 + the signal's number once it has
 * returned. A command that never asked, or a second signal while cleaning up, exits at once with
 * that code. Without this, Node's default would end a build with no cleanup, or — as before —
 * the cancelled build's error made it exit 2 like a failed build.
 */
export class Interrupt {
  /** Commands running in this process (an embedding host may run several): one listener for all. */
  static readonly #active = new Set<Interrupt>();
  static readonly #dispatch = (signal: NodeJS.Signals): void => {
    for (const interrupt of [...Interrupt.#active]) interrupt.#receive(signal);
  };

  readonly #controller = new AbortController();
  #cancellable = false;
  /** While a command runs inside an environment (`envforge run`): each signal goes to it instead. */
  #forward: ((signal: NodeJS.Signals) => void) | undefined;
  /** The first signal received, if any. */
  received: NodeJS.Signals | undefined;

  /** The abort signal of a command that stops cleanly when it fires. */
  signal(): AbortSignal {
    this.#cancellable = true;
    return this.#controller.signal;
  }

  /** Listens until the returned function is called (main calls it when the command is done). */
  listen(): () => void {
    if (Interrupt.#active.size === 0) for (const s of SIGNALS) process.on(s, Interrupt.#dispatch);
    Interrupt.#active.add(this);
    return () => {
      Interrupt.#active.delete(this);
      if (Interrupt.#active.size === 0) for (const s of SIGNALS) process.off(s, Interrupt.#dispatch);
    };
  }

  /**
   * From now until the returned function is called, every SIGINT/SIGTERM is handed to `to` (the
   * running command), and this process neither aborts nor exits: its status is the command's.
   */
  forward(to: (signal: NodeJS.Signals) => void): () => void {
    this.#forward = to;
    return () => {
      if (this.#forward === to) this.#forward = undefined;
    };
  }

  #receive(signal: NodeJS.Signals): void {
    if (this.#forward) return this.#forward(signal);
    if (this.received !== undefined || !this.#cancellable) process.exit(signalExitCode(signal));
    this.received = signal;
    this.#controller.abort(
      createError("E_ABORTED", `interrupted (${signal}): the build was stopped, and what it started was ended and removed; nothing was cached`, {
        hint: "run the same command again to build it",
      }),
    );
  }
}
