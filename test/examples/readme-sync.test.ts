import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/paths.js";

// The README's embedding example is what examples/embed-host runs (from packed tarballs, in CI):
// the two must not drift apart, or the README would show code that no test ran.
const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");

describe("the README's code is the examples' code", () => {
  it("the Embedding section's first block is examples/embed-host/src/main.ts, verbatim", () => {
    const section = readme.slice(readme.indexOf("## Embedding"));
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBeDefined();
    expect(readFileSync(path.join(repoRoot, "examples", "embed-host", "src", "main.ts"), "utf8")).toBe(block);
  });
});
