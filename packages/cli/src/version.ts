import { readFileSync } from "node:fs";
import type { CliIO } from "./io.js";

/**
 * The CLI package's own version, from its package.json (one folder above both src/ and dist/):
 * read with nothing else loaded, so `envforge --version` answers before the engine is imported.
 */
export function cliVersion(): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
}

/** `envforge --version` / `-V` (with `--json`: an object) answered before the CLI loads; `undefined` for anything else. */
export function versionAnswer(argv: readonly string[], io: Pick<CliIO, "out">): number | undefined {
  const rest = argv.filter((a) => a !== "--json");
  if (rest.length !== 1 || (rest[0] !== "--version" && rest[0] !== "-V")) return undefined;
  const { name, version } = cliVersion();
  io.out(argv.includes("--json") ? `${JSON.stringify({ name, version, node: process.version })}\n` : `${version}\n`);
  return 0;
}
