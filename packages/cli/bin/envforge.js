#!/usr/bin/env node
// `--version` and a cached `envforge build FILE` are answered before the full CLI is even loaded
// (src/version.ts, src/quick-build.ts); everything else, and every case the quick path is unsure
// of, runs the full CLI. processIO's writers survive a closed pipe (`envforge cache ls | head -1`).
import { versionAnswer } from "../dist/version.js";
import { quickBuild } from "../dist/quick-build.js";
import { processIO } from "../dist/io.js";

const argv = process.argv.slice(2);
const io = processIO();
const quick = versionAnswer(argv, io) ?? (await quickBuild(argv, io));
if (quick !== undefined) process.exitCode = quick;
else {
  const { main } = await import("../dist/main.js");
  process.exitCode = await main(argv);
}
