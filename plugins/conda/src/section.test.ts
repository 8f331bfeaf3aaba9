import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { EnvforgeError, type EngineEvent } from "@envforge/core/plugin-kit";
import { describe, expect, it } from "vitest";
import { condaEngine, rejection, tempDir } from "./testing/helpers.js";

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}

async function hashOf(files: Record<string, string>, entry = "env.yaml") {
  const { engine } = await condaEngine();
  const dir = await tree(files);
  return engine.hash(path.join(dir, entry));
}

async function errorOf(files: Record<string, string>, entry = "env.yaml"): Promise<EnvforgeError> {
  const { engine } = await condaEngine();
  const dir = await tree(files);
  const error = await rejection(engine.hash(path.join(dir, entry)));
  expect(error).toBeInstanceOf(EnvforgeError);
  return error as EnvforgeError;
}

const inline = (body: string) => `python:\n  conda:\n${body.replace(/^/gm, "    ")}\n`;

describe("conda section: what is hashed", () => {
  it("has a canonical form: channels as written, dependencies as a sorted set of canonical MatchSpecs", async () => {
    const result = await hashOf({
      "env.yaml": inline("name: ignored\nprefix: /opt/ignored\nchannels: [' conda-forge ', defaults]\ndependencies: ['numpy >=1.18', 'python=3.11', 'Pandas>=2,<3', numpy>=1.18, 'conda-forge::scipy==1.11.4=py311h_0']"),
    });
    expect(result.canonical.sections.conda).toEqual({
      channels: ["conda-forge", "defaults"],
      dependencies: ["conda-forge::scipy ==1.11.4 py311h_0", "numpy >=1.18", "pandas <3,>=2", "python 3.11.*"],
    });
    // Golden: a change to the conda canonical form changes every conda hash; make it visible here.
    expect(result.canonicalText).toBe(
      '{"contract":"efh1","sections":{"conda":{"channels":["conda-forge","defaults"],"dependencies":["conda-forge::scipy ==1.11.4 py311h_0","numpy >=1.18","pandas <3,>=2","python 3.11.*"]}}}',
    );
    expect(result.hash).toBe("efh1:" + (await import("node:crypto")).hash("sha256", result.canonicalText, "hex"));
  });

  it("treats spellings conda treats alike as one", async () => {
    const a = await hashOf({ "env.yaml": inline("dependencies: ['numpy >=1.18', 'numpy=1.18', python==3.11.4, 'scipy 1.11.* py_0']") });
    const b = await hashOf({ "env.yaml": inline("dependencies: ['scipy=1.11.*=py_0', 'NumPy 1.18.*', 'numpy>= 1.18', 'python 3.11.4', 'numpy >=1.18']") });
    expect(b.hash).toBe(a.hash);
  });

  it("counts a conda file's content, not its path, name or prefix", async () => {
    const viaInline = await hashOf({ "env.yaml": inline("channels: [conda-forge]\ndependencies: [numpy=1.26, {pip: [rich==13.7.1]}]") });
    const viaFile = await hashOf({
      "env.yaml": "python:\n  condaFile: ./envs/dev/environment.yml\n",
      "envs/dev/environment.yml": "name: whatever\nprefix: /somewhere/else\nchannels:\n  - conda-forge\ndependencies:\n  - numpy=1.26\n  - pip:\n    - rich==13.7.1\n",
    });
    const asJson = await hashOf({
      "env.json": JSON.stringify({ name: "other", python: { condaFile: "environment.json" } }),
      "environment.json": JSON.stringify({ dependencies: [{ pip: ["rich==13.7.1"] }, "numpy=1.26"], channels: ["conda-forge"], name: "x" }),
    }, "env.json");
    expect(viaFile.hash).toBe(viaInline.hash);
    expect(asJson.hash).toBe(viaInline.hash);
  });

  it("forwards the pip: sub-list to the pip section (one set with python.pip)", async () => {
    const sub = await hashOf({ "env.yaml": inline("dependencies: ['python=3.11', {pip: [rich==13.7.1, attrs]}]") });
    const both = await hashOf({ "env.yaml": `python:\n  pip: [attrs]\n  conda:\n    dependencies: ['python=3.11', {pip: [rich==13.7.1]}]\n` });
    expect(sub.canonical.sections.pip).toEqual(["attrs", "rich==13.7.1"]);
    expect(sub.canonical.sections.conda).toEqual({ channels: [], dependencies: ["python 3.11.*"] });
    expect(both.hash).toBe(sub.hash);
  });

  it("keeps channel order (priority) and every build-relevant change apart", async () => {
    const base = "channels: [conda-forge, defaults]\ndependencies: [numpy=1.26]";
    const variants = [
      base,
      "channels: [defaults, conda-forge]\ndependencies: [numpy=1.26]",
      "channels: [conda-forge]\ndependencies: [numpy=1.26]",
      "channels: [conda-forge, defaults]\ndependencies: [numpy=1.26.0]",
      "channels: [conda-forge, defaults]\ndependencies: [numpy==1.26]",
      "channels: [conda-forge, defaults]\ndependencies: [numpy=1.26, scipy]",
      "channels: [conda-forge, defaults]\ndependencies: ['numpy=1.26=py_0']",
      "channels: [conda-forge, defaults]\ndependencies: ['conda-forge::numpy=1.26']",
      "channels: [conda-forge, defaults]\ndependencies: [numpy=1.26]\nvariables: {OMP_NUM_THREADS: '4'}",
    ];
    const hashes = await Promise.all(variants.map((v) => hashOf({ "env.yaml": inline(v) }).then((r) => r.hash)));
    expect(new Set(hashes).size).toBe(variants.length);
  });

  it("hashes conda variables (written into the prefix) as a sorted mapping", async () => {
    const a = await hashOf({ "env.yaml": inline("dependencies: [numpy=1.26]\nvariables: {B: 2, A: x}") });
    const b = await hashOf({ "env.yaml": inline("variables: {A: x, B: '2'}\ndependencies: [numpy=1.26]") });
    expect(a.canonical.sections.conda).toMatchObject({ variables: { A: "x", B: "2" } });
    expect(b.hash).toBe(a.hash);
  });

  it("contributes nothing when empty", async () => {
    const empty = await hashOf({ "env.yaml": "name: x\n" });
    for (const body of ["{}", "dependencies: []", "channels:\ndependencies:"]) {
      expect((await hashOf({ "env.yaml": inline(body) })).hash, body).toBe(empty.hash);
    }
  });
});

describe("conda section: bad input", () => {
  it("refuses python.conda and python.condaFile together", async () => {
    const e = await errorOf({ "env.yaml": "python:\n  conda: {dependencies: [numpy]}\n  condaFile: environment.yml\n", "environment.yml": "dependencies: [numpy]\n" });
    expect(e.code).toBe("E_CONFLICTING_FIELDS");
    expect(e.location).toMatchObject({ line: 3, column: 3 });
    expect(e.hint).toMatch(/use one/);
  });

  it("locates a malformed MatchSpec in the environment file", async () => {
    const e = await errorOf({
      "env.yaml": "python:\n  condaFile: environment.yml\n",
      "environment.yml": "channels:\n  - conda-forge\ndependencies:\n  - numpy=1.26\n  - 'scipy>='\n",
    });
    expect(e.code).toBe("E_INVALID_MATCHSPEC");
    expect(e.location?.file).toMatch(/environment\.yml$/);
    expect(e.location).toMatchObject({ line: 5, column: 5 });
    expect(e.field).toBe("python.condaFile");
    expect(e.message).toMatch(/dependencies\[1\].*missing version/);
    expect(e.hint).toMatch(/numpy>=1\.18/);
  });

  it("locates a malformed inline MatchSpec in the definition", async () => {
    const e = await errorOf({ "env.yaml": "python:\n  conda:\n    dependencies:\n      - numpy\n      - 'num$py'\n" });
    expect(e.code).toBe("E_INVALID_MATCHSPEC");
    expect(e.location).toMatchObject({ line: 5, column: 9 });
    expect(e.location?.file).toMatch(/env\.yaml$/);
    expect(e.field).toBe("python.conda");
  });

  it("refuses unknown keys in a conda file, with a did-you-mean", async () => {
    const e = await errorOf({ "env.yaml": "python:\n  condaFile: environment.yml\n", "environment.yml": "channels: [conda-forge]\ndependences:\n  - numpy\n" });
    expect(e.code).toBe("E_UNKNOWN_KEY");
    expect(e.message).toMatch(/did you mean "dependencies"/);
    expect(e.location).toMatchObject({ line: 2, column: 1 });
  });

  it.each([
    ["dependencies: numpy\n", /must be a list/, 1],
    ["dependencies:\n  - numpy\n  - {conda: [x]}\n", /MatchSpec string or a `pip:` list/, 3],
    ["dependencies:\n  - pip: rich\n", /list of pip requirements/, 2],
    ["dependencies:\n  - pip: [1.5]\n", /pip requirement string/, 2],
    ["channels: [conda-forge, 3]\n", /channel name or URL/, 1],
    ["- numpy\n", /must be a mapping/, 1],
  ])("refuses a wrongly shaped conda file: %j", async (content, message, line) => {
    const e = await errorOf({ "env.yaml": "python:\n  condaFile: environment.yml\n", "environment.yml": content });
    expect(e.code).toBe("E_WRONG_TYPE");
    expect(e.message).toMatch(message);
    expect(e.location?.line).toBe(line);
    expect(e.hint).toBeTruthy();
  });

  it("refuses an empty channel", async () => {
    const e = await errorOf({ "env.yaml": inline("channels: [conda-forge, ' ']") });
    expect(e.code).toBe("E_INVALID_VALUE");
  });

  it("reports invalid YAML in the conda file at its line", async () => {
    const e = await errorOf({ "env.yaml": "python:\n  condaFile: environment.yml\n", "environment.yml": "dependencies:\n  - numpy\n  invalid\n" });
    expect(e.code).toBe("E_INVALID_YAML");
    expect(e.location?.file).toMatch(/environment\.yml$/);
    expect(e.location?.line).toBe(3);
  });

  it("reports a missing conda file where it is referenced", async () => {
    const e = await errorOf({ "env.yaml": "python:\n  condaFile: ./nope.yml\n" });
    expect(e.code).toBe("E_FILE_NOT_FOUND");
    expect(e.location).toMatchObject({ line: 2 });
    expect(e.field).toBe("python.condaFile");
  });

  it("refuses conda packages in a user-managed environment", async () => {
    const e = await errorOf({ "env.yaml": "python:\n  userManaged: true\n  interpreterPath: /usr/bin/python3\n  conda: {dependencies: [numpy]}\n" });
    expect(e.code).toBe("E_USER_MANAGED");
  });
});

describe("conda section: unpinned dependencies", () => {
  const warnings = (events: EngineEvent[]) => events.filter((e): e is Extract<EngineEvent, { type: "warning" }> => e.type === "warning" && e.code === "W_UNPINNED");

  it("warns once per dependency without an upper bound, where it was written", async () => {
    const { engine, events } = await condaEngine();
    const dir = await tree({
      "env.yaml": "python:\n  condaFile: environment.yml\n",
      "environment.yml": "dependencies:\n  - numpy\n  - scipy>=1.11\n  - pandas=2.1\n  - python 3.11.*\n  - blas * openblas\n",
    });
    await engine.hash(path.join(dir, "env.yaml"));
    const w = warnings(events);
    expect(w.map((x) => x.message.match(/"([^"]+)"/)![1])).toEqual(["numpy", "scipy>=1.11", "blas * openblas"]);
    expect(w[0]!.location).toMatchObject({ line: 2, column: 5 });
    expect(w[0]!.hint).toMatch(/numpy=/);
  });

  it("can be silenced", async () => {
    const { engine, events } = await condaEngine({ conda: { warnUnpinned: false } });
    await engine.hash({ object: { python: { conda: { dependencies: ["numpy"] } } } });
    expect(warnings(events)).toEqual([]);
  });
});
