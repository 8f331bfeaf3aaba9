import { chmod, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { EnvforgeError } from "@envforge/core";
import { describe, expect, it } from "vitest";
import { condaEngine, rejection, tempDir } from "./testing/helpers.js";

/** What a definition's conda section may name, and what conda tools see of the host. */
describe("conda: definitions from strangers", () => {
  it("a channel naming a variable the host does not pass is E_ENV_NOT_ALLOWED at the channel; a passed one is accepted", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "environment.yml"), "channels:\n  - conda-forge\n  - https://c.example/t/${CONDA_TOKEN}/main\ndependencies: [numpy=1.26]\n");
    await writeFile(path.join(dir, "env.yaml"), "python:\n  condaFile: environment.yml\n");
    const refused = await rejection((await condaEngine()).engine.hash(path.join(dir, "env.yaml")));
    expect(refused).toBeInstanceOf(EnvforgeError);
    expect(refused).toMatchObject({ code: "E_ENV_NOT_ALLOWED", field: "python.condaFile.channels[1]", location: { file: path.join(dir, "environment.yml"), line: 3 } });
    expect((refused as EnvforgeError).hint).toContain("--pass-env CONDA_TOKEN");
    await (await condaEngine({ engine: { policy: { passEnv: ["CONDA_TOKEN"] } } })).engine.hash(path.join(dir, "env.yaml"));
  });

  it("a channel URL on a host the policy does not allow is E_POLICY; named channels and allowed hosts pass", async () => {
    const { engine } = await condaEngine({ engine: { policy: { indexHosts: ["conda.anaconda.org"] } } });
    const refused = await rejection(engine.hash({ object: { python: { conda: { channels: ["conda-forge", "https://evil.example/ch"], dependencies: ["numpy=1.26"] } } } }));
    expect(refused).toMatchObject({ code: "E_POLICY", field: "python.conda.channels[1]", details: { host: "evil.example" } });
    await engine.hash({ object: { python: { conda: { channels: ["conda-forge", "https://conda.anaconda.org/bioconda"], dependencies: ["numpy=1.26"] } } } });
  });

  it("conda tools run without the host's other variables: the allowlist, passed variables and conda.env only", async () => {
    const dir = await tempDir();
    const dump = path.join(dir, "env.json");
    const tool = path.join(dir, "conda");
    // A stand-in tool that records its environment and fails.
    await writeFile(tool, `#!/usr/bin/env python3\nimport json, os, sys\njson.dump(dict(os.environ), open(${JSON.stringify(dump)}, "w"))\nsys.exit(3)\n`);
    await chmod(tool, 0o755);
    process.env.ENVFORGE_CONDA_HOST_SECRET = "host-secret";
    process.env.ENVFORGE_CONDA_PASSED = "passed";
    try {
      const { engine } = await condaEngine({ engine: { policy: { passEnv: ["ENVFORGE_CONDA_PASSED"] } } });
      const failed = await rejection(
        engine.build({ object: { python: { conda: { dependencies: ["numpy=1.26"] } } } }, { target: "conda", builderOptions: { conda: { tool, env: { FROM_OPTIONS: "1" } } } }),
      );
      expect(failed).toBeInstanceOf(EnvforgeError);
      const seen = JSON.parse(await readFile(dump, "utf8")) as Record<string, string>;
      expect(seen.ENVFORGE_CONDA_HOST_SECRET).toBeUndefined();
      expect(seen.ENVFORGE_CONDA_PASSED).toBe("passed");
      expect(seen.FROM_OPTIONS).toBe("1");
      expect(seen.PATH).toContain(process.env.PATH); // (a pyenv shim puts its own folders first)
    } finally {
      delete process.env.ENVFORGE_CONDA_HOST_SECRET;
      delete process.env.ENVFORGE_CONDA_PASSED;
    }
  });
});
