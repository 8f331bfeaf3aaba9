import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { testEngine } from "../support/engine.js";

/**
 * Frozen hashes: any change to the canonical form of these definitions fails here, so it is seen
 * in review. Changing a value in golden.json means every user's cache misses: that is an `efh2`
 * contract change, never a fix to make this test pass.
 */
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "golden");
const golden = JSON.parse(readFileSync(path.join(dir, "golden.json"), "utf8")) as Record<string, { hash: string; canonical: string }>;

describe("golden hashes (efh1 is frozen)", () => {
  it.each(Object.keys(golden))("%s", async (name) => {
    const { engine } = await testEngine();
    const result = await engine.hash(path.join(dir, name, "env.yaml"));
    expect(result.canonicalText).toBe(golden[name]!.canonical);
    expect(result.hash).toBe(golden[name]!.hash);
  });

  it("equal input gives byte-identical canonical output", async () => {
    const { engine } = await testEngine();
    const a = await engine.hash(path.join(dir, "full", "env.yaml"));
    const b = await engine.hash(path.join(dir, "full", "env.yaml"));
    expect(b.canonicalText).toBe(a.canonicalText);
  });
});
