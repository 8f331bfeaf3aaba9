/**
 * The CLI users run: packages/cli/bin/envforge.js, which runs the bundle scripts/bundle-cli.mjs
 * makes (the test run's global setup, bundle-setup.ts, remakes it from the sources first): two
 * scripts compiled with V8's code cache, and the heaviest dependencies as files of their own in
 * bundle/vendor/, required only when used.
 */
import path from "node:path";
import { repoRoot } from "./paths.js";

export const CLI_BIN = path.join(repoRoot, "packages", "cli", "bin", "envforge.js");
export const BUNDLE_DIR = path.join(repoRoot, "packages", "cli", "bundle");

/** The vendor file of a dependency the bundle keeps apart (scripts/bundle-cli.mjs `VENDOR`). */
export const vendorFile = (name: string): string => path.join(BUNDLE_DIR, "vendor", `${name}.cjs`);
