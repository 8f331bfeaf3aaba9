import { mkdirSync } from "node:fs";
import path from "node:path";
import type { BenchConfig } from "../config.js";
import type { UserStore } from "../store.js";

export interface SuiteContext {
  config: BenchConfig;
  /** The user's own store (`--store`), measured beside envforge's. */
  store: UserStore | undefined;
  /** A folder under the work dir, created on first use. */
  scratch(name: string): string;
}

export function suiteContext(config: BenchConfig, store?: UserStore): SuiteContext {
  return {
    config,
    store,
    scratch(name) {
      const dir = path.join(config.workDir, name);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
  };
}
