import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine } from "@envforge/core/plugin-kit";
import { condaPlugin } from "@envforge/plugin-conda";
import { dockerPlugin } from "@envforge/plugin-docker";
import { pipPlugin } from "@envforge/plugin-pip";
import { captureDefinition, DEFINITION_FILE, safeRelativePath, writeDefinition, importCondaFile, importDockerfile, importImage, importRequirements, saveDefinition, MemoryRegistry, Workspace } from "@envforge/workspace";

async function setup(files: Record<string, string>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ef-io-"));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  const engine = createEngine({ cacheDir: path.join(dir, ".cache"), plugins: [pipPlugin(), condaPlugin(), dockerPlugin()] });
  return { dir, engine };
}

const PROJECT = {
  "project/env.envforge.yaml": [
    "# comments survive a save",
    "name: train",
    "python:",
    "  version: '3.11'",
    "  pipRequirements: deps/requirements.txt",
    "  condaFile: environment.yml",
    "docker:",
    "  baseDockerfile: docker/Dockerfile",
    "  steps: ['RUN echo hi']",
  ].join("\n"),
  "project/deps/requirements.txt": "-r shared.txt\r\nrich==13.7.1\r\n",
  "project/deps/shared.txt": "click==8.1.7\n",
  "project/environment.yml": "name: x\nchannels: [conda-forge]\ndependencies:\n  - numpy==1.26.4\n  - pip: [tqdm==4.66.4]\n",
  "project/docker/Dockerfile": "FROM debian:bookworm\r\nRUN apt-get update\r\n",
  "project/unrelated.txt": "not part of the definition\n",
};

describe("save and load", () => {
  it("saves a definition with exactly its referenced files; the saved folder hashes the same, elsewhere too", async () => {
    const { dir, engine } = await setup(PROJECT);
    const original = await engine.hash(path.join(dir, "project/env.envforge.yaml"));
    const captured = await captureDefinition(engine, path.join(dir, "project/env.envforge.yaml"));
    expect(Object.keys(captured.definition.files).sort()).toEqual(["deps/requirements.txt", "deps/shared.txt", "docker/Dockerfile", "environment.yml"]);

    const saved = await saveDefinition(captured.definition, path.join(dir, "copy"));
    expect(saved.file).toBe(path.join(dir, "copy", DEFINITION_FILE));
    expect(await readFile(path.join(dir, "copy/deps/requirements.txt"), "utf8")).toBe("-r shared.txt\r\nrich==13.7.1\r\n");
    expect(await readFile(saved.file, "utf8")).toContain("# comments survive a save");
    // A different engine, cache and folder: the same hash.
    const elsewhere = createEngine({ cacheDir: path.join(dir, ".other"), plugins: [pipPlugin(), condaPlugin(), dockerPlugin()] });
    expect((await elsewhere.hash(saved.file)).hash).toBe(original.hash);
    await expect(saveDefinition(captured.definition, path.join(dir, "copy"))).rejects.toMatchObject({ code: "E_CONFLICT" });
    await saveDefinition(captured.definition, path.join(dir, "copy"), { overwrite: true });
  });

  it("saves a registered version by name and builds the folder back to its hash", async () => {
    const { dir, engine } = await setup(PROJECT);
    const ws = new Workspace({ engine, registry: new MemoryRegistry() });
    const { record } = await ws.register(path.join(dir, "project/env.envforge.yaml"));
    const saved = await ws.save("train@1", path.join(dir, "saved"));
    expect(saved.hash).toBe(record.hash);
    expect((await engine.hash(saved.file)).hash).toBe(record.hash);
    expect((await ws.resolve(path.join(dir, "saved"))).kind).toBe("file"); // `build DIR` reads DIR/env.yaml
    const text = await readFile(saved.file, "utf8");
    expect(text.startsWith('# comments survive a save\nversion: "1"\nname: train\n')).toBe(true);
  });

  it("refuses stored paths that would escape the folder", async () => {
    expect(() => safeRelativePath("../x")).toThrow(expect.objectContaining({ code: "E_INVALID_VALUE" }));
    expect(() => safeRelativePath("/etc/passwd")).toThrow(expect.objectContaining({ code: "E_INVALID_VALUE" }));
    expect(() => safeRelativePath("a/../../x")).toThrow(expect.objectContaining({ code: "E_INVALID_VALUE" }));
    expect(safeRelativePath("a/./b.txt")).toBe("a/b.txt");
    const dir = await mkdtemp(path.join(os.tmpdir(), "ef-io-"));
    await expect(writeDefinition({ document: {}, files: { "../evil": "x" } }, dir)).rejects.toMatchObject({ code: "E_INVALID_VALUE" });
  });
});

describe("import", () => {
  it("imports a requirements file by reference (with its includes) or inline, and both hash alike", async () => {
    const { dir, engine } = await setup({ "req/requirements.txt": "# app\nrich==13.7.1\n-r more.txt\n", "req/more.txt": "Click==8.1.7\n" });
    const byFile = await importRequirements(engine, path.join(dir, "req/requirements.txt"), { name: "app" });
    expect(byFile.definition.document).toEqual({ name: "app", python: { pipRequirements: "requirements.txt" } });
    expect(Object.keys(byFile.definition.files).sort()).toEqual(["more.txt", "requirements.txt"]);
    const inline = await importRequirements(engine, path.join(dir, "req/requirements.txt"), { inline: true });
    expect(inline.definition.document).toEqual({ python: { pip: ["click==8.1.7", "rich==13.7.1"] } });
    expect(inline.result.hash).toBe(byFile.result.hash);
  });

  it("imports a conda file, a Dockerfile and an image reference", async () => {
    const { dir, engine } = await setup({ "environment.yml": "dependencies: [numpy==1.26.4]\n", "Dockerfile": "FROM debian:bookworm\n" });
    const conda = await importCondaFile(engine, path.join(dir, "environment.yml"));
    expect(conda.result.canonical.sections.conda).toMatchObject({ dependencies: ["numpy ==1.26.4"] });
    const dockerfile = await importDockerfile(engine, path.join(dir, "Dockerfile"), { name: "base" });
    expect(dockerfile.definition.files).toEqual({ Dockerfile: "FROM debian:bookworm\n" });
    const image = await importImage(engine, "python:3.11-slim");
    expect(image.result.canonical.sections.docker).toMatchObject({ base: { image: "docker.io/library/python:3.11-slim" } });
    await expect(importImage(engine, "Not A Reference")).rejects.toMatchObject({ code: "E_INVALID_IMAGE_REFERENCE" });
    await expect(importRequirements(engine, path.join(dir, "missing.txt"))).rejects.toMatchObject({ code: "E_FILE_NOT_FOUND" });
  });
});
