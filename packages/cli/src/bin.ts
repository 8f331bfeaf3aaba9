/**
 * The first of the two scripts `packages/cli/bin/envforge.js` runs (scripts/bundle-cli.mjs bundles
 * this one as bundle/quick.cjs and main.ts as bundle/envforge.cjs): `--version` and a cached
 * `envforge build FILE` are answered here, before the rest of the CLI is even read
 * (version.ts, quick-build.ts); everything else, and every case the quick path is unsure of, runs
 * the full CLI (`main`) with the same `io`. processIO's writers survive a closed pipe
 * (`envforge cache ls | head -1`).
 */
import { processIO, type CliIO } from "./io.js";
import { quickBuild } from "./quick-build.js";
import { versionAnswer } from "./version.js";

export { commandWord } from "./command-word.js";

/** The exit code when `--version` or the quick path answered `argv`, else `undefined` (run `main` with `io`). */
export async function quick(argv: readonly string[]): Promise<{ code: number | undefined; io: CliIO }> {
  const io = processIO();
  return { code: versionAnswer(argv, io) ?? (await quickBuild(argv, io)), io };
}
