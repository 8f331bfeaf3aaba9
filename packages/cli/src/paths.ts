import path from "node:path";
import type { CliIO } from "./io.js";

/** A path from the command line, against the CLI's working directory. */
export function resolvePath(io: CliIO, file: string): string {
  return path.resolve(io.cwd, file);
}
