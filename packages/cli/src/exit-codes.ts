import { EnvforgeError, createError, PluginError, formatError } from "@envforge/core/plugin-kit";
import { cliHint } from "./cli-hints.js";
import type { CliIO } from "./io.js";

import { EXIT } from "./exit-status.js";

export { EXIT } from "./exit-status.js";

const BUILD_CODES = new Set(["E_BUILD_FAILED", "E_TIMEOUT", "E_ABORTED", "E_TOOL_NOT_FOUND", "E_CACHE_IO"]);

export function exitCodeOf(error: unknown): number {
  if (error instanceof PluginError) return EXIT.internal;
  if (error instanceof EnvforgeError) return BUILD_CODES.has(error.code) ? EXIT.build : EXIT.input;
  return EXIT.internal;
}

/**
 * Prints an error without a stack trace (unless ENVFORGE_DEBUG is set) and returns the exit code.
 * Hints name the CLI's flags, not the engine options core names for embedders (cli-hints.ts).
 */
export function reportError(error: unknown, io: CliIO, json: boolean): number {
  const code = exitCodeOf(error);
  if (json) {
    const data =
      error instanceof EnvforgeError
        ? { ...error.toJSON(), hint: cliHint(error.hint) }
        : { code: "E_INTERNAL", message: error instanceof Error ? error.message : String(error) };
    io.out(`${JSON.stringify({ ok: false, error: data })}\n`);
  } else if (error instanceof EnvforgeError) {
    io.err(`${formatError(createError(error.code, error.message, { hint: cliHint(error.hint), location: error.location, field: error.field }))}\n`);
    const tail = error.details?.outputTail;
    // Builders often put the tail in the message already: said once.
    if (typeof tail === "string" && tail && !error.message.includes(tail.trim())) io.err(`--- last output ---\n${tail}\n`);
  } else {
    io.err(`envforge: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    io.err("  hint: this is a bug; rerun with ENVFORGE_DEBUG=1 for a stack trace and report it\n");
  }
  if (io.env.ENVFORGE_DEBUG && error instanceof Error && error.stack) io.err(`${error.stack}\n`);
  return code;
}
