import { cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { EnvforgeError } from "@envforge/core/plugin-kit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { importCondaFile } from "./import.js";
import { condaEngine, realWorldDir, rejection, tempDir } from "./testing/helpers.js";

/**
 * The conda environment files of jupyterhub/repo2docker, read in place from ../shared/real-world.
 * Each hashes, or is refused with an error its author would agree with (listed here, with why).
 */
const REFUSED: Record<string, { code: string; line: number; why: string }> = {
  // `- thiswontwork` then a bare `invalid` line at the list's indentation: not YAML. repo2docker
  // keeps these files to check that a broken environment.yml fails.
  "022-conda": { code: "E_INVALID_YAML", line: 4, why: "a bare word at a list's indentation is not valid YAML" },
  "031-conda": { code: "E_INVALID_YAML", line: 3, why: "a bare word at a list's indentation is not valid YAML" },
};

const root = path.join(realWorldDir, "repo2docker");
const cases = readdirSync(root).filter((c) => c.endsWith("-conda")).sort();
const condaFileOf = (dir: string) => readdirSync(dir).find((f) => /^environment.*\.ya?ml$/.test(f))!;

describe("repo2docker conda files (../shared/real-world)", () => {
  it("finds them", () => expect(cases.length).toBeGreaterThanOrEqual(20));

  it.each(cases)("%s hashes or is refused with a clear error", async (name) => {
    const { engine } = await condaEngine();
    const env = path.join(root, name, "env.yaml");
    const refused = REFUSED[name];
    if (refused === undefined) {
      const result = await engine.hash(env);
      expect(result.hash).toMatch(/^efh1:[0-9a-f]{64}$/);
      const conda = result.canonical.sections.conda as { dependencies: string[] };
      expect(conda.dependencies.length).toBeGreaterThan(0);
      expect([...conda.dependencies].sort()).toEqual(conda.dependencies);
      return;
    }
    const error = await rejection(engine.hash(env));
    expect(error, refused.why).toBeInstanceOf(EnvforgeError);
    const e = error as EnvforgeError;
    expect(e.code).toBe(refused.code);
    expect(e.location?.file).toBe(path.join(root, name, condaFileOf(path.join(root, name))));
    expect(e.location?.line).toBe(refused.line);
  });

  it("reads them the way conda does", async () => {
    const { engine } = await condaEngine();
    const r013 = await engine.hash(path.join(root, "013-conda", "env.yaml"));
    expect(r013.canonical.sections.conda).toEqual({
      channels: ["conda-forge"],
      dependencies: [
        "ipywidgets 8.*",
        "jupyter-offlinenotebook 0.3.*",
        "jupyter-resource-usage 1.*",
        "jupyter_server 2.*",
        "jupyterhub-singleuser 5.*",
        "jupyterlab 4.*",
        "nodejs 20.*",
        "notebook 7.*",
        "pip",
        "python 3.10.*",
      ],
    });
    // `python=3.10` and `python=3.10.*` are the same request to conda.
    const r005 = await engine.hash(path.join(root, "005-conda", "env.yaml"));
    expect(r005.hash).toBe(r013.hash);
    const r018 = await engine.hash(path.join(root, "018-conda", "env.yaml"));
    expect(r018.canonical.sections.pip).toEqual(["simplejson"]);
  });

  const hashable = cases.filter((c) => REFUSED[c] === undefined);

  it.each(hashable)("%s: shuffling its dependencies (and its pip: sub-list) never changes the hash", async (name) => {
    const src = path.join(root, name);
    const file = condaFileOf(src);
    const doc = parseYaml(readFileSync(path.join(src, file), "utf8")) as { dependencies: unknown[] };
    const { engine } = await condaEngine({ conda: { warnUnpinned: false } });
    const original = (await engine.hash(path.join(src, "env.yaml"))).hash;
    const dir = await tempDir();
    cpSync(src, dir, { recursive: true });
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(doc.dependencies, { minLength: doc.dependencies.length }), fc.boolean(), async (deps, duplicate) => {
        const shuffled = deps.map((d) => (typeof d === "object" && d !== null && "pip" in d ? { pip: [...(d as { pip: string[] }).pip].reverse() } : d));
        // Listing a dependency twice does not change a set either.
        if (duplicate && typeof shuffled[0] === "string") shuffled.push(shuffled[0]);
        writeFileSync(path.join(dir, file), stringifyYaml({ ...doc, dependencies: shuffled }));
        expect((await engine.hash(path.join(dir, "env.yaml"))).hash).toBe(original);
      }),
      { numRuns: 8 },
    );
  });

  it.each(hashable)("%s: importing it gives a definition with the same hash", async (name) => {
    const src = path.join(root, name);
    const definition = await importCondaFile(path.join(src, condaFileOf(src)));
    const { engine } = await condaEngine({ conda: { warnUnpinned: false } });
    const [imported, referenced] = await Promise.all([engine.hash({ object: definition }), engine.hash(path.join(src, "env.yaml"))]);
    expect(imported.hash).toBe(referenced.hash);
  });

  it.each(Object.keys(REFUSED))("%s: import refuses it the same way", async (name) => {
    const src = path.join(root, name);
    const e = (await rejection(importCondaFile(path.join(src, condaFileOf(src))))) as EnvforgeError;
    expect(e.code).toBe(REFUSED[name]!.code);
    expect(e.location?.line).toBe(REFUSED[name]!.line);
  });
});
