import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { condaCreateScript, condaImageFragment, IMAGE_CONDA_PREFIX } from "./image-fragment.js";

const run = promisify(execFile);

/** Runs the generated script with only `tools` on PATH; each fake tool records its argv. */
async function runScript(script: string, tools: string[]) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "envforge-conda-script-"));
  const bin = path.join(dir, "bin");
  await mkdir(bin);
  for (const tool of tools) {
    await writeFile(path.join(bin, tool), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > "${dir}/${tool}.args"\n`);
    await chmod(path.join(bin, tool), 0o755);
  }
  await writeFile(path.join(dir, "create.sh"), script);
  const result = await run("/bin/sh", [path.join(dir, "create.sh")], { env: { PATH: `${bin}:/usr/bin:/bin` } }).catch((e: { code: number; stderr: string }) => e);
  const argsOf = (tool: string) => readFile(path.join(dir, `${tool}.args`), "utf8").then((t) => t.trimEnd().split("\n"));
  return { result, argsOf };
}

describe("conda image fragment", () => {
  const conda = { channels: ["conda-forge", "bioconda"], dependencies: ["numpy >=1.26", "python 3.11.*"] };

  it("creates the environment with the first of micromamba, mamba, conda the image has, arguments passed literally", async () => {
    const { result, argsOf } = await runScript(condaCreateScript(conda), ["conda", "mamba"]);
    expect(result).toMatchObject({ stdout: expect.stringContaining("with mamba") });
    expect(await argsOf("mamba")).toEqual([
      "create", "--yes", "--prefix", IMAGE_CONDA_PREFIX, "--override-channels", "--channel", "conda-forge", "--channel", "bioconda", "numpy >=1.26", "python 3.11.*",
    ]);
  });

  it("a spec can never become shell syntax", async () => {
    const hostile = { channels: ["x'; touch /tmp/pwned-envforge; '"], dependencies: ["a $(id) `id` ; rm -rf /"] };
    const { argsOf } = await runScript(condaCreateScript(hostile), ["micromamba"]);
    const args = await argsOf("micromamba");
    expect(args).toContain("x'; touch /tmp/pwned-envforge; '");
    expect(args).toContain("a $(id) `id` ; rm -rf /");
  });

  it("fails with what to do when the base image has no conda tool", async () => {
    const { result } = await runScript(condaCreateScript(conda), []);
    expect(result).toMatchObject({ code: 1, stderr: expect.stringContaining("has no micromamba, mamba or conda") });
    expect((result as { stderr: string }).stderr).toContain("mambaorg/micromamba");
  });

  it("is layer 30, copies its script, puts the environment first on PATH, and keeps conda variables", () => {
    const fragment = condaImageFragment({ ...conda, variables: { OMP_NUM_THREADS: "4" } })!;
    expect(fragment.order).toBe(30);
    expect(Object.keys(fragment.files ?? {})).toEqual(["envforge/conda/create.sh", "envforge/conda/state"]);
    expect(JSON.parse(String(fragment.files!["envforge/conda/state"]))).toEqual({ env_vars: { OMP_NUM_THREADS: "4" } });
    expect(fragment.instructions.at(-1)).toContain(`PATH=${IMAGE_CONDA_PREFIX}/bin:$PATH`);
    expect(condaImageFragment({ channels: [], dependencies: [] })).toBeUndefined();
  });
});
