import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/engine.js";
import { runCli } from "./support.js";

/** A conda channel on disk: `<subdir>/repodata.json`, as `conda index` writes it. */
async function channel(): Promise<string> {
  const dir = await tempDir("envforge-channel-");
  const pkg = (name: string, version: string, depends: string[] = []) => ({
    [`${name}-${version}-h_0.conda`]: { name, version, build: "h_0", build_number: 0, depends, subdir: "noarch", noarch: "generic", md5: "0".repeat(32), sha256: "0".repeat(64), size: 1 },
  });
  await mkdir(path.join(dir, "noarch"), { recursive: true });
  await writeFile(
    path.join(dir, "noarch", "repodata.json"),
    JSON.stringify({ info: { subdir: "noarch" }, packages: {}, "packages.conda": { ...pkg("alpha", "1.0"), ...pkg("alpha", "1.4", ["beta >=2"]), ...pkg("beta", "2.1") } }),
  );
  return pathToFileURL(dir).href;
}

describe("envforge import / lock / dockerfile", () => {
  it("import conda round-trips an environment.yml to the same hash", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "environment.yml"), "name: team\nchannels: [conda-forge]\ndependencies:\n  - numpy >=1.26\n  - pip:\n    - rich==13.7.1\n");
    await writeFile(path.join(dir, "ref.yaml"), "python:\n  condaFile: ./environment.yml\n");
    const imported = await runCli(["import", "conda", "environment.yml", "--output", "imported.yaml"], { cwd: dir });
    expect(imported.code, imported.stderr).toBe(0);
    const a = await runCli(["hash", "ref.yaml", "-q"], { cwd: dir });
    const b = await runCli(["hash", "imported.yaml", "-q"], { cwd: dir });
    expect(b.stdout).toBe(a.stdout);
  });

  it("import requirements keeps the packages and leaves index options out of the definition", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "requirements.txt"), "--index-url https://pypi.example/simple\nNumPy == 1.26.4\nrich\n");
    const out = await runCli(["import", "requirements", "requirements.txt", "--name", "imp"], { cwd: dir });
    expect(out.code).toBe(0);
    const definition = parse(out.stdout) as { name: string; python: { pip: string[] } };
    expect(definition.name).toBe("imp");
    expect(definition.python.pip).toHaveLength(2);
    expect(out.stdout).not.toContain("pypi.example");
    expect(out.stderr).toContain("W_UNPINNED");
  });

  it("lock resolves the whole conda closure against a local channel into env.lock, and the lock is a new hash", async () => {
    const dir = await tempDir();
    const url = await channel();
    await writeFile(path.join(dir, "env.yaml"), `python:\n  conda:\n    channels: ["${url}"]\n    dependencies: [alpha]\n`);
    const before = await runCli(["hash", "env.yaml", "-q", "--allow-outside-files"], { cwd: dir });
    // The channel is a temporary folder, not beside the definition: allowed for this run.
    const out = await runCli(["lock", "env.yaml", "--platform", "linux-x86_64", "--allow-outside-files"], { cwd: dir });
    expect(out.code, out.stderr).toBe(0);
    const lock = parse(await readFile(path.join(dir, "env.lock"), "utf8")) as { version: number; conda: { name: string; version: string; build: string }[] };
    expect(lock.version).toBe(1);
    expect(lock.conda.map((p) => `${p.name} ${p.version} ${p.build}`)).toEqual(["alpha 1.4 h_0", "beta 2.1 h_0"]);
    const after = await runCli(["hash", "env.yaml", "-q", "--allow-outside-files"], { cwd: dir });
    expect(after.stdout).not.toBe(before.stdout);
  });

  it("dockerfile prints the generated Dockerfile with layers from base to pip", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "env.yaml"), 'docker:\n  baseImage: python:3.11-slim\n  steps: ["RUN echo custom"]\npython:\n  pip: [rich==13.7.1]\n');
    const out = await runCli(["dockerfile", "env.yaml"], { cwd: dir });
    expect(out.code, out.stderr).toBe(0);
    const text = out.stdout;
    expect(text).toMatch(/^FROM docker\.io\/library\/python:3\.11-slim/m);
    expect(text.indexOf("RUN echo custom")).toBeGreaterThan(text.indexOf("FROM"));
    expect(text.indexOf("rich") === -1 ? text.indexOf("requirements") : text.indexOf("rich")).toBeGreaterThan(text.indexOf("RUN echo custom"));
    expect(text).toContain("dev.envforge.hash");
  });

  it("dockerfile with a conda part: conda layer before pip, and pip installs into the conda environment", async () => {
    const dir = await tempDir();
    await writeFile(
      path.join(dir, "env.yaml"),
      'docker:\n  baseImage: mambaorg/micromamba:1.5.8\npython:\n  conda:\n    channels: [conda-forge]\n    dependencies: ["python=3.11"]\n  pip: [rich==13.7.1]\n',
    );
    const out = await runCli(["dockerfile", "env.yaml"], { cwd: dir });
    expect(out.code, out.stderr).toBe(0);
    const text = out.stdout;
    expect(text.indexOf("/envforge/conda/create.sh")).toBeGreaterThan(0);
    expect(text.indexOf("/envforge/conda/create.sh")).toBeLessThan(text.indexOf("/envforge/pip/requirements.txt"));
    expect(text).toContain('"/opt/envforge/conda-env/bin/python","-m","pip","install"');
    expect(text).not.toContain("venv");
  });
});
