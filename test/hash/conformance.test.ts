import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { conformanceDir } from "../support/paths.js";
import { testEngine } from "../support/engine.js";

/** The hash contract's vectors, read from ../shared/conformance in place. */
interface Case {
  expect: "equal" | "different";
  rule: string;
}

function definitionIn(dir: string): string {
  const file = readdirSync(dir).find((f) => /^env\.(ya?ml|json)$/.test(f));
  if (!file) throw new Error(`no env.yaml/env.json in ${dir}`);
  return path.join(dir, file);
}

const cases = readdirSync(conformanceDir).sort();

describe("hash contract conformance vectors (../shared/conformance)", () => {
  it("finds the vectors", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)("%s", async (name) => {
    const dir = path.join(conformanceDir, name);
    const spec = JSON.parse(readFileSync(path.join(dir, "case.json"), "utf8")) as Case;
    const { engine } = await testEngine();
    const a = await engine.hash(definitionIn(path.join(dir, "a")));
    const b = await engine.hash(definitionIn(path.join(dir, "b")));
    if (spec.expect === "equal") expect(b.hash, `${spec.rule}\n${a.canonicalText}\n${b.canonicalText}`).toBe(a.hash);
    else expect(b.hash, spec.rule).not.toBe(a.hash);
  });
});
