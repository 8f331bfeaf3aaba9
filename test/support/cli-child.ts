/**
 * The `envforge` binary run from the sources (as `packages/cli/bin/envforge.js` runs the built
 * files): `--version` and the quick path first, then the full CLI, writing through the same
 * `processIO` (a closed pipe ends output quietly). For tests that need a real process (signals,
 * blocking system calls, exit codes, pipes) without building `dist/` first. Run it with `spawnTs`.
 */
import { main, processIO, quickBuild, versionAnswer } from "@envforge/cli";

const argv = process.argv.slice(2);
const io = processIO();
const quick = versionAnswer(argv, io) ?? (await quickBuild(argv, io));
process.exitCode = quick ?? (await main(argv, { io }));
