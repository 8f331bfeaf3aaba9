#!/usr/bin/env node
// A cached `envforge build FILE` is answered before the full CLI is even loaded (src/quick-build.ts);
// everything else, and every case that path is unsure of, runs the full CLI.
import { quickBuild } from "../dist/quick-build.js";
import { processIO } from "../dist/io.js";

const argv = process.argv.slice(2);
const quick = await quickBuild(argv, processIO());
if (quick !== undefined) process.exitCode = quick;
else {
  const { main } = await import("../dist/main.js");
  process.exitCode = await main(argv);
}
