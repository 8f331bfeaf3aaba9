/**
 * The `envforge` binary run from the sources (as `packages/cli/bin/envforge.js` runs the built
 * files): the quick path first, then the full CLI. For tests that need a real process (signals,
 * blocking system calls, exit codes) without building `dist/` first. Run it with `spawnTs`.
 */
import { main, quickBuild } from "@envforge/cli";

const argv = process.argv.slice(2);
const io = {
  out: (text: string) => void process.stdout.write(text),
  err: (text: string) => void process.stderr.write(text),
  isTTY: false,
  cwd: process.cwd(),
  env: process.env,
};
const quick = await quickBuild(argv, io);
process.exitCode = quick ?? (await main(argv, { io }));
