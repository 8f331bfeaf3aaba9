import { createError, errorInfo, formatError, isEnvforgeError, isPluginError } from "@envforge/core/plugin-kit";
import { cliHint } from "./cli-hints.js";
import type { CliIO } from "./io.js";

import { EXIT, EXIT_OF_KIND } from "./exit-status.js";

export { EXIT } from "./exit-status.js";

/**
 * The exit status of an error: a plugin's fault and anything that is not an envforge error are
 * internal; an envforge error's status is its code's kind (an unknown code counts as input).
 * Errors are recognised by brand, so those of another copy of core are too.
 */
export function exitCodeOf(error: unknown): number {
  if (isPluginError(error)) return EXIT.internal;
  if (isEnvforgeError(error)) return EXIT_OF_KIND[error.kind];
  return EXIT.internal;
}

/** The JSON error output's code for what is not an envforge error (its meaning and hint are in the table). */
const INTERNAL = "E_INTERNAL";

/** The build log a failed build left (`details.logPath`, core's build-support.ts), if any. */
function logPathOf(details: Readonly<Record<string, unknown>> | undefined): string | undefined {
  return typeof details?.logPath === "string" ? details.logPath : undefined;
}

/**
 * Prints an error without a stack trace (unless ENVFORGE_DEBUG is set) and returns the exit code.
 * Hints name the CLI's flags, not the engine options core names for embedders (cli-hints.ts).
 */
export function reportError(error: unknown, io: CliIO, json: boolean): number {
  const code = exitCodeOf(error);
  if (json) {
    // `logPath` top-level: where a failed build's whole output is, without digging into details.
    const data = isEnvforgeError(error)
      ? { ...error.toJSON(), hint: cliHint(error.hint), logPath: logPathOf(error.details) }
      : { code: INTERNAL, message: error instanceof Error ? error.message : String(error) };
    io.out(`${JSON.stringify({ ok: false, error: data })}\n`);
  } else if (isEnvforgeError(error)) {
    io.err(`${formatError(createError(error.code, error.message, { hint: cliHint(error.hint), location: error.location, field: error.field }))}\n`);
    const logPath = logPathOf(error.details);
    if (logPath !== undefined && !error.hint?.includes(logPath)) io.err(`  log: ${logPath}\n`);
    const tail = error.details?.outputTail;
    // Builders often put the tail in the message already: said once.
    if (typeof tail === "string" && tail && !error.message.includes(tail.trim())) io.err(`--- last output ---\n${tail}\n`);
  } else {
    io.err(`envforge: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    io.err(`  hint: ${errorInfo(INTERNAL)?.hint}\n`);
  }
  if (io.env.ENVFORGE_DEBUG && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
  return code;
}
