import { chmod, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { EnvforgeError, STRICT_POLICY, type HostPolicy } from "@envforge/core/plugin-kit";
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

  /** A definition folder `def/` with a channel `def/chan`, a folder beside it and links out and in. */
  async function layout() {
    const top = await tempDir();
    const def = path.join(top, "def");
    const outside = path.join(top, "outside");
    await mkdir(path.join(def, "chan", "noarch"), { recursive: true });
    await mkdir(outside);
    await symlink(outside, path.join(def, "link-out"));
    await symlink(path.join(def, "chan"), path.join(def, "link-in"));
    return { def, outside };
  }
  const inline = (channel: string) => `python:\n  conda:\n    channels:\n      - conda-forge\n      - ${JSON.stringify(channel)}\n    dependencies: [numpy=1.26]\n`;
  const asFile = (channel: string) => `channels:\n  - conda-forge\n  - ${JSON.stringify(channel)}\ndependencies: [numpy=1.26]\n`;
  async function hashBoth(def: string, channel: string, policy: Partial<HostPolicy> = {}) {
    const { engine } = await condaEngine({ engine: { policy } });
    await writeFile(path.join(def, "env.yaml"), inline(channel));
    await writeFile(path.join(def, "file.yaml"), "python:\n  condaFile: environment.yml\n");
    await writeFile(path.join(def, "environment.yml"), asFile(channel));
    const settle = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as EnvforgeError);
    return { inline: await settle(engine.hash(path.join(def, "env.yaml"))), file: await settle(engine.hash(path.join(def, "file.yaml"))) };
  }

  it("a local channel outside the definition's folder is E_FILE_OUTSIDE_ROOT at the channel, inline and in the conda file", async () => {
    const { def, outside } = await layout();
    for (const channel of [
      path.relative(process.cwd(), outside), // relative: conda reads it against the working directory
      "../outside",
      outside, // absolute
      `${def}/../outside`,
      `file://${outside}`,
      `file://${def}/../outside`,
      path.join(def, "link-out"), // a symlink pointing out
      `file://${def}/link-out/not-yet`,
      "~/channel",
    ]) {
      const { inline: a, file: b } = await hashBoth(def, channel);
      expect(a, channel).toMatchObject({ code: "E_FILE_OUTSIDE_ROOT", field: "python.conda.channels[1]", location: { file: path.join(def, "env.yaml"), line: 5 } });
      expect(b, channel).toMatchObject({ code: "E_FILE_OUTSIDE_ROOT", field: "python.condaFile.channels[1]", location: { file: path.join(def, "environment.yml"), line: 3 } });
      expect(a!.hint).toContain("--allow-outside-files");
    }
    // A folder spelled with a variable conda fills in cannot be checked: refused even when passed.
    const spelled = await hashBoth(def, "file://${ENVFORGE_CHANNELS}/chan", { passEnv: ["ENVFORGE_CHANNELS"] });
    expect(spelled.inline).toMatchObject({ code: "E_FILE_OUTSIDE_ROOT", field: "python.conda.channels[1]" });
    expect((await hashBoth(def, "$HOME/chan")).file).toMatchObject({ code: "E_FILE_OUTSIDE_ROOT", field: "python.condaFile.channels[1]" });
    // A dependency's own channel (channel::name) is read too.
    const { engine } = await condaEngine();
    await writeFile(path.join(def, "dep.yaml"), `python:\n  conda:\n    dependencies: ["file://${outside}::numpy=1.26"]\n`);
    expect(await rejection(engine.hash(path.join(def, "dep.yaml")))).toMatchObject({ code: "E_FILE_OUTSIDE_ROOT", field: "python.conda.dependencies", location: { line: 3 } });
  });

  it("a local channel inside the folder, a named channel and a URL are accepted", async () => {
    const { def } = await layout();
    for (const channel of [path.join(def, "chan"), `file://${def}/chan`, `file://${def}/chan/`, path.join(def, "link-in"), path.join(def, "later"), "bioconda", "https://conda.anaconda.org/bioconda"]) {
      expect(await hashBoth(def, channel), channel).toEqual({ inline: undefined, file: undefined });
    }
    // A relative channel is inside when the build runs from the definition's folder.
    const cwd = process.cwd();
    process.chdir(def);
    try {
      expect(await hashBoth(def, "./chan")).toEqual({ inline: undefined, file: undefined });
      expect((await hashBoth(def, "../outside")).inline).toMatchObject({ code: "E_FILE_OUTSIDE_ROOT" });
    } finally {
      process.chdir(cwd);
    }
  });

  it("the host may allow outside channels (policy.allowOutsideFiles, or the engine option allowFilesOutsideRoot)", async () => {
    const { def, outside } = await layout();
    for (const channel of [outside, `file://${outside}`, path.join(def, "link-out"), "~/channel"]) {
      expect(await hashBoth(def, channel, { allowOutsideFiles: true }), channel).toEqual({ inline: undefined, file: undefined });
    }
    const { engine } = await condaEngine({ engine: { allowFilesOutsideRoot: true } });
    await writeFile(path.join(def, "env.yaml"), inline(outside));
    await engine.hash(path.join(def, "env.yaml"));
  });

  it("an environment variable the host policy denies is E_POLICY at its key, inline and in the conda file", async () => {
    const { def } = await layout();
    const { engine } = await condaEngine({ engine: { policy: STRICT_POLICY } });
    await writeFile(path.join(def, "env.yaml"), "python:\n  conda:\n    dependencies: [numpy=1.26]\n    variables:\n      MY_SETTING: one\n      LD_PRELOAD: /tmp/evil.so\n");
    const inlineRefusal = (await rejection(engine.hash(path.join(def, "env.yaml")))) as EnvforgeError;
    expect(inlineRefusal).toMatchObject({ code: "E_POLICY", field: "python.conda.variables.LD_PRELOAD", location: { file: path.join(def, "env.yaml"), line: 6, column: 7 } });
    expect(inlineRefusal.hint).toContain("--allow-variable LD_PRELOAD");
    await writeFile(path.join(def, "file.yaml"), "python:\n  condaFile: environment.yml\n");
    await writeFile(path.join(def, "environment.yml"), "dependencies: [numpy=1.26]\nvariables:\n  PIP_INDEX_URL: https://evil.example/simple\n");
    const fileRefusal = (await rejection(engine.hash(path.join(def, "file.yaml")))) as EnvforgeError;
    expect(fileRefusal).toMatchObject({ code: "E_POLICY", field: "python.condaFile.variables.PIP_INDEX_URL", location: { file: path.join(def, "environment.yml"), line: 3 } });
    expect(fileRefusal.message).toContain("matched by PIP_*");
    expect(fileRefusal.hint).toContain("--allow-variable 'PIP_*'");
    // Allowed once the host leaves the name out; any name under the permissive default.
    await (await condaEngine({ engine: { policy: { ...STRICT_POLICY, deniedVariables: STRICT_POLICY.deniedVariables.filter((p) => p !== "PIP_*") } } })).engine.hash(path.join(def, "file.yaml"));
    await (await condaEngine()).engine.hash(path.join(def, "env.yaml"));
  });
});
