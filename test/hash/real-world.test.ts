import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { EnvforgeError } from "@envforge/core/plugin-kit";
import fc from "fast-check";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { realWorldDir } from "../support/paths.js";
import { tempDir, testEngine } from "../support/engine.js";
import { cpSync, writeFileSync } from "node:fs";

/**
 * Environment files as other people wrote them (../shared/real-world). Each either hashes or is
 * refused; the refusals are listed here with the reason a user would agree with.
 */
const REFUSED: Record<string, { code: string; line: number; why: string }> = {
  // `- thiswontwork` followed by a bare `invalid` line: not YAML (repo2docker keeps it to test failure).
  "repo2docker/022-conda": { code: "E_INVALID_YAML", line: 4, why: "a bare word under a list is not valid YAML" },
  "repo2docker/031-conda": { code: "E_INVALID_YAML", line: 3, why: "a bare word under a list is not valid YAML" },
};

/** Paths of the objects and arrays under `value` that are not frozen. */
function unfrozenPaths(value: unknown, at = "$"): string[] {
  if (typeof value !== "object" || value === null) return [];
  const own = Object.isFrozen(value) ? [] : [at];
  return own.concat(Object.entries(value).flatMap(([k, v]) => unfrozenPaths(v, `${at}.${k}`)));
}

const cases = readdirSync(realWorldDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(path.join(realWorldDir, d.name)).map((c) => `${d.name}/${c}`))
  .sort();

describe("real-world environment files (../shared/real-world)", () => {
  it("finds the cases", () => expect(cases.length).toBeGreaterThan(30));

  it.each(cases)("%s hashes or is refused with a clear error", async (name) => {
    const { engine } = await testEngine();
    const file = path.join(realWorldDir, name, "env.yaml");
    const refused = REFUSED[name];
    if (!refused) {
      const { hash, canonical } = await engine.hash(file);
      expect(hash).toMatch(/^efh1:[0-9a-f]{64}$/);
      // Plugins freeze their canonical values themselves (the engine then skips them): every
      // node must be, or a host could change what was hashed.
      expect(unfrozenPaths(canonical)).toEqual([]);
      return;
    }
    const error = await engine.hash(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, refused.why).toBeInstanceOf(EnvforgeError);
    const e = error as EnvforgeError;
    expect(e.code).toBe(refused.code);
    expect(e.location?.line).toBe(refused.line);
    expect(e.location?.file).toMatch(/environment\.ya?ml$/);
  });

  const condaCases = cases.filter((c) => c.endsWith("-conda") && !REFUSED[c]);
  it.each(condaCases)("%s: shuffling the conda dependencies never changes the hash", async (name) => {
    const src = path.join(realWorldDir, name);
    const file = readdirSync(src).find((f) => /^environment.*\.ya?ml$/.test(f))!;
    const doc = parseYaml(readFileSync(path.join(src, file), "utf8")) as { dependencies: unknown[] };
    const { engine } = await testEngine();
    const original = (await engine.hash(path.join(src, "env.yaml"))).hash;
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(doc.dependencies, { minLength: doc.dependencies.length }), async (deps) => {
        const dir = await tempDir();
        cpSync(src, dir, { recursive: true });
        writeFileSync(path.join(dir, file), stringifyYaml({ ...doc, dependencies: deps }));
        expect((await engine.hash(path.join(dir, "env.yaml"))).hash).toBe(original);
      }),
      { numRuns: 5 },
    );
  });
});
