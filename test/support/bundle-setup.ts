/**
 * vitest's global setup: the CLI's bundle remade from the sources before any test runs, so tests
 * that spawn packages/cli/bin/envforge.js run the code under test, never an older bundle.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { repoRoot } from "./paths.js";

export default function setup(): void {
  execFileSync(process.execPath, [path.join(repoRoot, "scripts", "bundle-cli.mjs")], { stdio: "inherit" });
}
