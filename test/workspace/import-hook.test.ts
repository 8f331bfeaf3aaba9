import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine } from "@envforge/core/plugin-kit";
import { condaPlugin } from "@envforge/plugin-conda";
import { pipPlugin } from "@envforge/plugin-pip";
import { importCondaFile, importFields, importRequirements } from "@envforge/workspace";

async function setup(files: Record<string, string>, plugins = [pipPlugin(), condaPlugin()]) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ef-io-"));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return { dir, engine: createEngine({ cacheDir: path.join(dir, ".cache"), plugins }) };
}

describe("import (no docker)", () => {
  it("requirements", async () => {
    const { dir, engine } = await setup({ "req/requirements.txt": "# app\nrich==13.7.1\n-r more.txt\nflask\n--index-url https://x.example/simple\n", "req/more.txt": "Click==8.1.7\n", "c/r.txt": "rich\n-c k.txt\n", "c/k.txt": "rich==1\n" });
    const byFile = await importRequirements(engine, path.join(dir, "req/requirements.txt"), { name: "app" });
    expect(byFile.definition.document).toEqual({ name: "app", python: { pipRequirements: "requirements.txt" } });
    expect(Object.keys(byFile.definition.files).sort()).toEqual(["more.txt", "requirements.txt"]);
    const inline = await importRequirements(engine, path.join(dir, "req/requirements.txt"), { inline: true, name: "n" });
    expect(Object.keys(inline.definition.document)).toEqual(["name", "python"]);
    expect(inline.definition.document).toEqual({ name: "n", python: { pip: ["click==8.1.7", "flask", "rich==13.7.1"] } });
    expect(inline.result.hash).toBe(byFile.result.hash);
    const constrained = await importRequirements(engine, path.join(dir, "c/r.txt"), { inline: true });
    expect(constrained.definition.document).toEqual({ python: { pipRequirements: "r.txt" } });
    const fields = await importFields(engine, "requirements", path.join(dir, "req/requirements.txt"), true);
    expect(fields.warnings).toEqual([{ code: "W_UNPINNED", message: '"flask" is not pinned' }]);
    expect(fields.notes).toHaveLength(1);
    await expect(importRequirements(engine, path.join(dir, "missing.txt"))).rejects.toMatchObject({ code: "E_FILE_NOT_FOUND" });
    await expect(importRequirements(engine, path.join(dir, "missing.txt"), { inline: true })).rejects.toMatchObject({ code: "E_FILE_NOT_FOUND" });
  });
  it("conda", async () => {
    const { dir, engine } = await setup({ "environment.yml": "name: ds\ndependencies: [numpy==1.26.4, {pip: [rich]}]\n" });
    const conda = await importCondaFile(engine, path.join(dir, "environment.yml"));
    expect(conda.definition.document).toEqual({ python: { condaFile: "environment.yml" } });
    expect(conda.result.canonical.sections.conda).toMatchObject({ dependencies: ["numpy ==1.26.4"] });
    const inline = await importFields(engine, "conda", path.join(dir, "environment.yml"), true);
    expect(inline).toEqual({ fields: { python: { conda: { dependencies: ["numpy==1.26.4", { pip: ["rich"] }] } } }, name: "ds", warnings: [], notes: [] });
  });
  it("no plugin", async () => {
    const { dir, engine } = await setup({ "r.txt": "rich\n" }, []);
    await expect(importRequirements(engine, path.join(dir, "r.txt"))).rejects.toMatchObject({ code: "E_NO_PLUGIN" });
  });
});
