import { mkdirSync } from "node:fs";
import path from "node:path";
import type { BenchConfig } from "../config.js";

export interface SuiteContext {
  config: BenchConfig;
  /** A folder under the work dir, created on first use. */
  scratch(name: string): string;
}

export function suiteContext(config: BenchConfig): SuiteContext {
  return {
    config,
    scratch(name) {
      const dir = path.join(config.workDir, name);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
  };
}
