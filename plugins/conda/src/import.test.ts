import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { EnvforgeError } from "@envforge/core/plugin-kit";
import { describe, expect, it } from "vitest";
import { stringify as stringifyYaml } from "yaml";
import { importCondaFile, importCondaPrefix } from "./import.js";
import { fakeTool } from "./testing/fake-tool.js";
import { condaEngine, rejection, tempDir } from "./testing/helpers.js";

const ENV_YML = `# exported by hand
name: sklearn-train
prefix: /home/me/miniforge3/envs/sklearn-train
channels:
  - conda-forge
  - defaults
dependencies:
  - python=3.11
  - scikit-learn >=1.4,<1.5   # sklearn
  - pip
  - pip:
    - rich==13.7.1
    - requests[security]>=2.31
variables:
  OMP_NUM_THREADS: 4
`;

describe("importCondaFile", () => {
  it("turns an environment.yml into a definition: name kept, prefix dropped, entries as written", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "environment.yml"), ENV_YML);
    expect(await importCondaFile(path.join(dir, "environment.yml"))).toEqual({
      name: "sklearn-train",
      python: {
        conda: {
          channels: ["conda-forge", "defaults"],
          dependencies: ["python=3.11", "scikit-learn >=1.4,<1.5", "pip", { pip: ["rich==13.7.1", "requests[security]>=2.31"] }],
          variables: { OMP_NUM_THREADS: "4" },
        },
      },
    });
  });

  it("round-trips: the imported definition, written as a file, hashes like the environment.yml referenced by condaFile", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "environment.yml"), ENV_YML);
    await writeFile(path.join(dir, "referenced.yaml"), "name: other-name\npython:\n  condaFile: environment.yml\n");
    await writeFile(path.join(dir, "imported.yaml"), stringifyYaml(await importCondaFile(path.join(dir, "environment.yml"))));
    const { engine } = await condaEngine({ conda: { warnUnpinned: false } });
    const [a, b] = await Promise.all([engine.hash(path.join(dir, "imported.yaml")), engine.hash(path.join(dir, "referenced.yaml"))]);
    expect(a.hash).toBe(b.hash);
    expect(a.canonical.sections.pip).toEqual(["requests[security]>=2.31", "rich==13.7.1"]);
  });

  it("refuses a malformed file with its line and column", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "environment.yml"), "dependencies:\n  - numpy\n  - 'numpy>>1'\n");
    const e = (await rejection(importCondaFile(path.join(dir, "environment.yml")))) as EnvforgeError;
    expect(e.code).toBe("E_INVALID_MATCHSPEC");
    expect(e.location).toMatchObject({ file: path.join(dir, "environment.yml"), line: 3, column: 5 });
  });

  it("says when the file is missing", async () => {
    const e = (await rejection(importCondaFile("/nonexistent/environment.yml"))) as EnvforgeError;
    expect(e.code).toBe("E_FILE_NOT_FOUND");
  });
});

describe("importCondaPrefix", () => {
  it("exports the prefix without builds and reads it like an environment file", async () => {
    for (const kind of ["micromamba", "conda"] as const) {
      const tool = await fakeTool(kind);
      const prefix = path.join(await tempDir(), "envs", "analysis");
      await mkdir(prefix, { recursive: true });
      const definition = await importCondaPrefix(prefix, tool.path, { env: { FAKE_CONDA_LOG: tool.log } });
      expect(definition).toEqual({
        name: "analysis",
        python: { conda: { channels: ["conda-forge"], dependencies: ["numpy=1.26.4", "python=3.11.9", { pip: ["rich==13.7.1"] }] } },
      });
      const call = JSON.parse((await readFile(tool.log, "utf8")).trim()) as { args: string[] };
      expect(call.args).toEqual(["env", "export", kind === "micromamba" ? "--no-build" : "--no-builds", "--prefix", prefix]);
    }
  });

  it("says which prefix it could not export", async () => {
    const tool = await fakeTool("micromamba");
    const e = (await rejection(importCondaPrefix("/nonexistent/prefix", tool.path, { env: { FAKE_CONDA_LOG: tool.log } }))) as EnvforgeError;
    expect(e.code).toBe("E_NOT_FOUND");
    expect(e.message).toMatch(/\/nonexistent\/prefix.*No prefix found/);
  });

  it("needs a tool", async () => {
    const e = (await rejection(importCondaPrefix("/p", "/nonexistent/conda"))) as EnvforgeError;
    expect(e.code).toBe("E_TOOL_NOT_FOUND");
  });
});
