import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createEngine, type EngineEvent } from "@envforge/core/plugin-kit";
import { condaPlugin } from "@envforge/plugin-conda";
import { pipPlugin } from "@envforge/plugin-pip";
import { describe, expect, it } from "vitest";
import { fakeTool, makeWheel } from "../../plugins/conda/src/testing/fake-tool.js";

/**
 * The conda and pip plugins together: a conda file's `pip:` sub-list is read by the pip plugin
 * (relative to the conda file), is one set with `python.pip`, and is installed into the conda
 * prefix with the pip builder options and the index options of requirements files.
 */
const tmp = () => mkdtemp(path.join(os.tmpdir(), "envforge-conda-pip-"));

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await tmp();
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

function engineWithEvents() {
  return mkdtemp(path.join(os.tmpdir(), "envforge-cache-")).then((cacheDir) => {
    const engine = createEngine({ cacheDir, plugins: [condaPlugin(), pipPlugin()] });
    const events: EngineEvent[] = [];
    engine.hooks.event.tap("test", (e) => events.push(e));
    return { engine, events };
  });
}

describe("conda pip: sub-list with the pip plugin", () => {
  it("is one set with python.pip, and its -r includes are relative to the conda file", async () => {
    const dir = await tree({
      "a.yaml": "python:\n  condaFile: envs/environment.yml\n",
      "envs/environment.yml": "dependencies:\n  - python=3.11\n  - pip:\n    - -r requirements.txt\n    - Rich==13.7.1\n",
      "envs/requirements.txt": "attrs==23.2.0\n",
      "b.yaml": "python:\n  pip: [rich==13.7.1, attrs==23.2.0]\n  conda:\n    dependencies: [python=3.11]\n",
    });
    const { engine } = await engineWithEvents();
    const [a, b] = await Promise.all([engine.hash(path.join(dir, "a.yaml")), engine.hash(path.join(dir, "b.yaml"))]);
    expect(a.hash).toBe(b.hash);
    expect(a.canonical.sections.conda).toEqual({ channels: [], dependencies: ["python 3.11.*"] });
  });

  it("reports a bad pip requirement of a conda file at its line in that file", async () => {
    const dir = await tree({ "env.yaml": "python:\n  condaFile: environment.yml\n", "environment.yml": "dependencies:\n  - pip:\n    - rich==13.7.1\n    - 'rich[=='\n" });
    const { engine } = await engineWithEvents();
    const error = await engine.hash(path.join(dir, "env.yaml")).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: "E_INVALID_REQUIREMENT", location: { file: path.join(dir, "environment.yml"), line: 4 } });
  });

  it("warns about unpinned packages of both kinds where they were written", async () => {
    const dir = await tree({ "env.yaml": "python:\n  condaFile: environment.yml\n", "environment.yml": "dependencies:\n  - numpy\n  - pip:\n    - rich\n" });
    const { engine, events } = await engineWithEvents();
    await engine.hash(path.join(dir, "env.yaml"));
    const unpinned = events.filter((e): e is Extract<EngineEvent, { type: "warning" }> => e.type === "warning" && e.code === "W_UNPINNED");
    expect(unpinned.map((w) => w.location?.line)).toEqual(expect.arrayContaining([2, 4]));
  });

  it("installs the sub-list into the conda prefix with the index options of its requirements file", { timeout: 120_000 }, async () => {
    const tool = await fakeTool("micromamba");
    const dir = await tree({
      "env.yaml": "python:\n  condaFile: environment.yml\n",
      "environment.yml": "channels: [conda-forge]\ndependencies:\n  - python=3.11\n  - pip\n  - pip:\n    - -r requirements.txt\n",
      "requirements.txt": "--no-index\n--find-links ./wheels\nhello-envforge==2.0\n",
    });
    await makeWheel(path.join(dir, "wheels"), "hello_envforge", "2.0");
    const { engine } = await engineWithEvents();
    const result = await engine.build(path.join(dir, "env.yaml"), { target: "conda", builderOptions: { conda: { tool: tool.path, env: { FAKE_CONDA_LOG: tool.log } } } });
    const python = path.join(result.entry.artifact.path!, "bin", "python");
    expect(execFileSync(python, ["-c", "import hello_envforge; print(hello_envforge.VERSION)"], { encoding: "utf8" }).trim()).toBe("2.0");
    expect(result.entry.lock!.packages).toContainEqual({ ecosystem: "pip", name: "hello-envforge", version: "2.0" });
  });
});
