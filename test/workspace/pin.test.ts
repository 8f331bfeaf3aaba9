import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine, type Lock } from "@envforge/core/plugin-kit";
import { condaPlugin } from "@envforge/plugin-conda";
import { pipPlugin } from "@envforge/plugin-pip";
import { check, captureDefinition, hashDefinition, withDefinitionSource, pin, MemoryRegistry, Workspace } from "@envforge/workspace";

const lock: Lock = {
  packages: [
    { ecosystem: "pip", name: "requests", version: "2.32.3" },
    { ecosystem: "pip", name: "numpy", version: "1.26.4" },
    { ecosystem: "pip", name: "rich", version: "13.7.1" },
    { ecosystem: "pip", name: "flask", version: "3.0.3" },
    { ecosystem: "pip", name: "click", version: "8.1.7" },
    { ecosystem: "pip", name: "urllib3", version: "2.2.2" },
    { ecosystem: "conda", name: "python", version: "3.11.9" },
    { ecosystem: "conda", name: "pandas", version: "2.2.2" },
  ],
};

async function setup(files: Record<string, string>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ef-pin-"));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  const engine = createEngine({ cacheDir: path.join(dir, ".cache"), plugins: [pipPlugin(), condaPlugin()] });
  return { dir, engine, file: path.join(dir, "env.yaml") };
}

describe("pin", () => {
  it("pins inline pip requirements, keeping extras, markers and the file's comments", async () => {
    const { engine, file } = await setup({
      "env.yaml": [
        "# training environment",
        "name: train",
        "python:",
        "  pip:",
        '    - requests[security]>=2.31; python_version >= "3.8"  # http',
        "    - rich==13.7.1",
        "    - Numpy   # any version",
      ].join("\n"),
    });
    const before = await captureDefinition(engine, file);
    const result = await pin(engine, before.definition, lock);
    expect(result.changes.map((c) => [c.name, c.to, c.where])).toEqual([
      ["requests", 'requests[security]==2.32.3; python_version >= "3.8"', "python.pip[0]"],
      ["numpy", "numpy==1.26.4", "python.pip[2]"],
    ]);
    expect(result.definition.document.python).toEqual({
      pip: ['requests[security]==2.32.3; python_version >= "3.8"', "rich==13.7.1", "numpy==1.26.4"],
    });
    // YAML comments, including those after list items, survive the rewrite.
    expect(result.definition.text).toContain("# training environment");
    expect(result.definition.text).toContain("numpy==1.26.4 # any version");
    const after = await hashDefinition(engine, result.definition);
    expect(after.hash).not.toBe(before.result.hash);
    const report = await withDefinitionSource(result.definition, (source) => check(engine, source));
    expect(report.findings.filter((f) => f.kind === "unpinned-package")).toEqual([]);
  });

  it("pins a requirements file and the files it includes, line endings, comments and options kept", async () => {
    const { engine, file } = await setup({
      "env.yaml": "python:\n  pipRequirements: reqs/main.txt\n",
      "reqs/main.txt": "# web\r\nflask>=2  # the app\r\n-r ../common/base.txt\r\nrich==13.7.1\r\n",
      "common/base.txt": "click --config-settings=x=1\n",
    });
    const captured = await captureDefinition(engine, file);
    expect(Object.keys(captured.definition.files).sort()).toEqual(["common/base.txt", "reqs/main.txt"]);
    const result = await pin(engine, captured.definition, lock);
    expect(result.definition.files["reqs/main.txt"]).toBe("# web\r\nflask==3.0.3  # the app\r\n-r ../common/base.txt\r\nrich==13.7.1\r\n");
    expect(result.definition.files["common/base.txt"]).toBe("click==8.1.7 --config-settings=x=1\n");
    expect(result.definition.text).toBe(captured.definition.text); // the document itself did not change
    const report = await withDefinitionSource(result.definition, (source) => check(engine, source));
    expect(report.packages).toEqual({ total: 3, pinned: 3, nested: 0 });
  });

  it("pins conda MatchSpecs and a conda file's pip sub-list", async () => {
    const { engine, file } = await setup({
      "env.yaml": "python:\n  condaFile: environment.yml\n",
      "environment.yml": [
        "name: ds",
        "channels: [conda-forge]",
        "dependencies:",
        "  - python=3.11   # the interpreter",
        "  - conda-forge::pandas",
        "  - pip:",
        "      - rich",
      ].join("\n"),
    });
    const result = await pin(engine, (await captureDefinition(engine, file)).definition, lock);
    expect(result.changes.map((c) => [c.ecosystem, c.to])).toEqual([
      ["conda", "python==3.11.9"],
      ["conda", "conda-forge::pandas==2.2.2"],
      ["pip", "rich==13.7.1"],
    ]);
    expect(result.definition.files["environment.yml"]).toContain("  - python==3.11.9 # the interpreter");
    const report = await withDefinitionSource(result.definition, (source) => check(engine, source));
    expect(report.findings.filter((f) => f.kind === "unpinned-package")).toEqual([]);
  });

  it("writes the version as the lock spells it (1.2.0, not the equal 1.2), markers and extras kept", async () => {
    const zeros: Lock = {
      packages: [
        { ecosystem: "pip", name: "six", version: "1.16.0" },
        { ecosystem: "pip", name: "attrs", version: "24.0" },
        { ecosystem: "pip", name: "odd", version: "not-a-version" },
      ],
    };
    const { engine, file } = await setup({ "env.yaml": "python:\n  pip: ['Six>=1; os_name == \"posix\"', 'attrs[tests]', odd]\n" });
    const before = await captureDefinition(engine, file);
    const result = await pin(engine, before.definition, zeros);
    expect(result.definition.document.python).toEqual({ pip: ['six==1.16.0; os_name == "posix"', "attrs[tests]==24.0", "odd"] });
    // A locked version that is not PEP 440 would make a pin the engine refuses: left as written.
    expect(result.missing).toEqual([{ ecosystem: "pip", written: "odd", where: "python.pip[2]" }]);
    // Same hash as the canonical spelling would give: 1.16.0 and 1.16 are one version.
    const canonicalSpelling = { ...result.definition, document: { python: { pip: ['six==1.16; os_name == "posix"', "attrs[tests]==24", "odd"] } }, text: undefined };
    expect((await hashDefinition(engine, result.definition)).hash).toBe((await hashDefinition(engine, canonicalSpelling)).hash);
  });

  it("leaves what the lock does not know as written, and says so", async () => {
    const { engine, file } = await setup({ "env.yaml": "python:\n  pip: [scipy, rich]\n" });
    const result = await pin(engine, (await captureDefinition(engine, file)).definition, lock);
    expect(result.missing).toEqual([{ ecosystem: "pip", written: "scipy", where: "python.pip[0]" }]);
    expect(result.definition.document.python).toEqual({ pip: ["scipy", "rich==13.7.1"] });
  });

  it("Workspace.pinFile rewrites the files in place from the last build's lock", async () => {
    const { engine, file, dir } = await setup({ "env.yaml": "python:\n  pip: [flask]\n  pipRequirements: r.txt\n", "r.txt": "click\n" });
    const ws = new Workspace({ engine, registry: new MemoryRegistry() });
    await expect(ws.pinFile(file)).rejects.toMatchObject({ code: "E_NOT_FOUND", hint: expect.stringContaining("build") });
    const result = await ws.pinFile(file, { lock });
    expect(result.written).toEqual([file, path.join(dir, "r.txt")]);
    expect(await readFile(path.join(dir, "r.txt"), "utf8")).toBe("click==8.1.7\n");
    expect(result.after).toBe((await engine.hash(file)).hash);
    expect(result.after).not.toBe(result.before);
  });
});
