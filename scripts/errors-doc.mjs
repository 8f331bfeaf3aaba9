#!/usr/bin/env node
// Writes ERRORS.md from the code table: core's built-in codes and those the stock plugins declare
// (applying a plugin declares its codes: definePlugin). `--check` writes nothing and exits 1 when
// ERRORS.md is not what this would write (test/errors-doc.test.ts runs it so).
// Reads the built packages (`npm run errors-doc` builds them first).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createEngine, knownCodes } from "../packages/core/dist/plugin-kit.js";
import { errorsDoc } from "../packages/cli/dist/errors-doc.js";
import { bundledPlugins } from "../packages/cli/dist/plugins.js";
import { redisCoordinatorPlugin } from "../plugins/redis/dist/index.js";

const file = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "ERRORS.md");

/**
 * Every stock plugin, with options that make it declare everything: the CLI's plugins with the
 * registry cache tier, and the ones hosts load themselves. Nothing connects: codes are declared
 * when a plugin is applied, before any build. A plugin left out here is found by the test (a code
 * used in its sources and missing from ERRORS.md).
 */
const plugins = [...bundledPlugins({ location: "registry.invalid/envforge" }), redisCoordinatorPlugin({ url: "redis://127.0.0.1:6379" })];
createEngine({ plugins, readOnly: true });

const text = errorsDoc(knownCodes());
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(file, "utf8");
  } catch {
    // missing: different
  }
  if (current !== text) {
    process.stderr.write("ERRORS.md is not what the code table gives: run `npm run errors-doc` and commit it\n");
    process.exitCode = 1;
  }
} else {
  writeFileSync(file, text);
  process.stdout.write(`wrote ${file}\n`);
}
