import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, and the shared test data beside it (read in place, never copied). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const sharedDir = path.resolve(repoRoot, "../shared");
export const conformanceDir = path.join(sharedDir, "conformance", "cases");
export const realWorldDir = path.join(sharedDir, "real-world");
