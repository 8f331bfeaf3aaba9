import path from "node:path";
import { z } from "@envforge/core/plugin-kit";
import { describe, expect, it } from "vitest";
import type { EnginePlugin } from "@envforge/core/plugin-kit";
import { importRequirementsFile } from "./import.js";
import { canonicalOf, env, envFile, hashTree, pipEngine, refusal, writeTree } from "./test-support.js";

describe("pip section: what hashes equal", () => {
  it("a requirements file (comments, blanks, continuations, includes) equals the same lines inline", async () => {
    const inline = await hashTree({ "env.yaml": env(["numpy==1.26.4", "rich==13.7.1", "pandas>=2,<3"]) });
    const file = await hashTree({
      "env.yaml": envFile(),
      "requirements.txt": "# pinned\nnumpy==1.26.4   # trailing comment\n\npandas>=2,\\\n   <3\n-r more/extra.txt\n",
      "more/extra.txt": "rich==13.7.1\n",
    });
    expect(file).toBe(inline);
  });

  it("names, versions, extras, clause order and whitespace are normalized", async () => {
    const a = await canonicalOf({ "env.yaml": env(["Scikit_Learn==1.4.2", "Requests[Socks, security] >= 2.31.0 , < 3", "torch==2.1.0-alpha1"]) });
    expect(a).toEqual(["requests[security,socks]<3,>=2.31", "scikit-learn==1.4.2", "torch==2.1a1"]);
    const b = await canonicalOf({ "env.yaml": env(["torch==2.1a1", "requests[socks,security]<3,>=2.31", "scikit-learn==1.4.2", "torch == 2.1.0a1"]) });
    expect(b).toEqual(a);
  });

  it("markers are normalized but kept: a marker changes the hash", async () => {
    const quoted = await canonicalOf({ "env.yaml": env(["rich==13.7.1;python_version<'3.12'"]) });
    expect(quoted).toEqual(['rich==13.7.1; python_version < "3.12"']);
    expect(await hashTree({ "env.yaml": env(["rich==13.7.1"]) })).not.toBe(await hashTree({ "env.yaml": env(["rich==13.7.1; python_version < '3.12'"]) }));
  });

  it("index options are not hashed; install-changing options and constraints are", async () => {
    const plain = await hashTree({ "env.yaml": envFile(), "requirements.txt": "rich==13.7.1\n" });
    const indexed = await hashTree({
      "env.yaml": envFile(),
      "requirements.txt": "--index-url https://pypi.example/simple\n--extra-index-url https://b.example/simple\n-f ./wheels\n--trusted-host b.example\n--no-index\nrich==13.7.1\n",
    });
    expect(indexed).toBe(plain);
    const pre = await canonicalOf({ "env.yaml": envFile(), "requirements.txt": "--pre\nrich==13.7.1\n" });
    expect(pre).toEqual({ requirements: ["rich==13.7.1"], options: ["--pre"] });
    const constrained = await canonicalOf({ "env.yaml": envFile(), "requirements.txt": "-c constraints.txt\nrich\n", "constraints.txt": "Rich == 13.7.1\nmarkdown-it-py<4\n" });
    expect(constrained).toEqual({ requirements: ["rich"], constraints: ["markdown-it-py<4", "rich==13.7.1"] });
  });

  it("--no-binary/--only-binary hash by the state pip ends in, not by spelling", async () => {
    const a = await canonicalOf({ "env.yaml": env(["--no-binary=B,a", "--only-binary b", "x==1"]) });
    const b = await canonicalOf({ "env.yaml": env(["--only-binary=b", "--no-binary=a", "x==1"]) });
    expect(a).toEqual({ requirements: ["x==1"], options: ["--no-binary=a", "--only-binary=b"] });
    expect(b).toEqual(a);
    const all = await canonicalOf({ "env.yaml": env(["--no-binary numpy", "--only-binary :all:", "x==1"]) });
    expect(all).toEqual({ requirements: ["x==1"], options: ["--only-binary=:all:"] });
  });

  it("--hash values are part of the requirement, sorted and lowercased", async () => {
    const h1 = "a".repeat(64);
    const h2 = "B".repeat(64);
    const a = await canonicalOf({ "env.yaml": envFile(), "requirements.txt": `rich==13.7.1 --hash=sha256:${h2} \\\n    --hash=sha256:${h1}\n` });
    expect(a).toEqual([`rich==13.7.1 --hash=sha256:${h1} --hash=sha256:${h2.toLowerCase()}`]);
    expect(await canonicalOf({ "env.yaml": env([`rich==13.7.1 --hash sha256:${h1} --hash=sha256:${h2}`]) })).toEqual(a);
  });

  it("duplicates collapse, and nothing to install hashes like no pip section", async () => {
    expect(await hashTree({ "env.yaml": env(["rich==13.7.1", "rich == 13.7.1"]) })).toBe(await hashTree({ "env.yaml": env(["rich==13.7.1"]) }));
    expect(await hashTree({ "env.yaml": "python:\n  pip: []\n" })).toBe(await hashTree({ "env.yaml": "name: x\n" }));
  });

  it("a diamond of includes is fine: each file counts once", async () => {
    const c = await canonicalOf({ "env.yaml": envFile(), "requirements.txt": "-r a.txt\n-r b.txt\n", "a.txt": "-r common.txt\n", "b.txt": "-r common.txt\n", "common.txt": "rich==1\n" });
    expect(c).toEqual(["rich==1"]);
  });

  it("VCS and URL requirements are hashed as written", async () => {
    const url = "git+https://github.com/Textualize/rich.git@0123456789abcdef0123456789abcdef01234567#egg=rich";
    expect(await canonicalOf({ "env.yaml": env([`Rich @ ${url}`, `-e ${url}`, "https://h.example/x-1.0-py3-none-any.whl#sha256=" + "0".repeat(64)]) })).toEqual([
      `-e ${url}`,
      "https://h.example/x-1.0-py3-none-any.whl#sha256=" + "0".repeat(64),
      `rich @ ${url}`,
    ]);
  });

  it("${VAR} is refused even inside a URL: pip would expand it from the build machine's environment", async () => {
    const url = "https://${USER}:${TOKEN}@h.example/x-1.0-py3-none-any.whl#sha256=" + "0".repeat(64);
    await expect(canonicalOf({ "env.yaml": env([`x @ ${url}`]) })).rejects.toMatchObject({ code: "E_INVALID_REQUIREMENT", hint: expect.stringContaining("builder options") });
  });

  it("items forwarded by another section (conda's pip: sub-list) join the same set", async () => {
    const forwarder: EnginePlugin = {
      name: "fake-conda",
      apply(engine) {
        engine.hooks.schema.tap("fake-conda", (schema) => {
          schema.field({ path: "python.fakeConda", section: "fake-conda", schema: z.array(z.string()), description: "test" });
          schema.order({ section: "fake-conda", forwardsTo: ["pip"] });
        });
        engine.hooks.parseSection.for("fake-conda").tap("fake-conda", (fields, ctx) => {
          const items = fields["python.fakeConda"] as string[];
          ctx.forward("pip", items.map((value, i) => ({ value, location: ctx.locate(["python", "fakeConda", i]), from: "fake-conda" })));
          return {};
        });
        engine.hooks.canonicalizeSection.for("fake-conda").tap("fake-conda", () => undefined);
      },
    };
    const { engine } = pipEngine([forwarder]);
    const dir = writeTree({ "a.yaml": "python:\n  fakeConda: [rich==13.7.1]\n  pip: [numpy==1.26.4]\n", "b.yaml": "python:\n  pip: [numpy==1.26.4, Rich==13.7.1]\n" });
    const a = await engine.hash(path.join(dir, "a.yaml"));
    const b = await engine.hash(path.join(dir, "b.yaml"));
    expect(a.canonical.sections.pip).toEqual(["numpy==1.26.4", "rich==13.7.1"]);
    expect(a.hash).toBe(b.hash);
    const bad = await engine.hash(path.join(writeTree({ "env.yaml": "python:\n  fakeConda:\n    - ok==1\n    - 'bad=1'\n" }), "env.yaml")).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: "E_INVALID_REQUIREMENT", location: { line: 4 }, field: "fake-conda.pip" });
  });
});

describe("pip section: refusals carry file, line, column and a hint", () => {
  it("a malformed inline requirement points at its list item", async () => {
    const e = await refusal({ "env.yaml": "python:\n  pip:\n    - numpy==1.26.4\n    - 'pandas>>=2'\n" });
    expect(e).toMatchObject({ code: "E_INVALID_REQUIREMENT", field: "python.pip[1]", location: { line: 4, column: 7 } });
    expect(e.message).toContain("pandas>>=2");
    expect(e.hint).toContain("PEP 508");
  });

  it("a malformed line in a requirements file points at the file, line and column", async () => {
    const e = await refusal({ "env.yaml": envFile(), "requirements.txt": "numpy==1.26.4\n# comment\n  rich=13.7.1\n" });
    expect(e.location).toEqual({ file: path.join(e.dir, "requirements.txt"), line: 3, column: 7 });
  });

  it("an error on a continuation line points at the physical line it is on", async () => {
    const e = await refusal({ "env.yaml": envFile(), "requirements.txt": "pandas>=2,\\\n  <3 junk\n" });
    expect(e.location).toMatchObject({ line: 2, column: 6 });
  });

  it("an error in an included file names that file", async () => {
    const e = await refusal({ "env.yaml": envFile(), "requirements.txt": "-r sub/more.txt\n", "sub/more.txt": "ok==1\nnot valid!\n" });
    expect(e.location).toMatchObject({ file: path.join(e.dir, "sub/more.txt"), line: 2 });
  });

  it.each([
    ["-e ./local/pkg", "not a VCS URL"],
    ["./local/pkg", "local path"],
    ["/abs/pkg-1.0.tar.gz", "local path"],
    ["pkg-1.0-py3-none-any.whl", "local archive"],
    ["pkg @ file:///tmp/pkg-1.0.tar.gz", "local file URL"],
    ["pkg @ ./pkg", "local path"],
    ["numpy==${NUMPY_VERSION}", "environment variable"],
    ["pkg @ https://h.example/pkg.whl ; sys_platform == '${PLAT}'", "environment variable"],
    ["pkg @ https://user:hunter22@h.example/pkg.whl", "password"],
  ])("%s is refused (%s)", async (line, why) => {
    const e = await refusal({ "env.yaml": env([line]) });
    expect(e.code).toBe("E_INVALID_REQUIREMENT");
    expect(e.message).toContain(why);
    expect(e.message).not.toContain("hunter22");
    expect(e.hint).toBeTruthy();
  });

  it("an include cycle is refused where it closes", async () => {
    const e = await refusal({ "env.yaml": envFile("./a.txt"), "a.txt": "x==1\n-r b.txt\n", "b.txt": "-r a.txt\n" });
    expect(e.message).toMatch(/cycle: a\.txt -> b\.txt -> a\.txt/);
    expect(e.location).toMatchObject({ file: path.join(e.dir, "b.txt"), line: 1, column: 1 });
  });

  it("a file including itself is a cycle", async () => {
    const e = await refusal({ "env.yaml": envFile(), "requirements.txt": "x==1\n-r ./requirements.txt\n" });
    expect(e.message).toContain("cycle");
  });

  it("remote includes, unknown options and misplaced options are refused with the list of valid ones", async () => {
    expect((await refusal({ "env.yaml": env(["-r https://h.example/r.txt"]) })).message).toContain("remote requirements file");
    const unknown = await refusal({ "env.yaml": envFile(), "requirements.txt": "x==1\n--frobnicate\n" });
    expect(unknown).toMatchObject({ location: { line: 2, column: 1 } });
    expect(unknown.hint).toContain("--index-url");
    expect((await refusal({ "env.yaml": env(["x==1 --pre"]) })).message).toContain("line of its own");
    expect((await refusal({ "env.yaml": env(["x==1 --hash=md5:abc"]) })).hint).toContain("sha256");
    expect((await refusal({ "env.yaml": env(["-c c.txt", "x"]), "c.txt": "y[extra]==1\n" })).message).toContain("extras");
  });

  it("a missing requirements file is E_FILE_NOT_FOUND at the field", async () => {
    const e = await refusal({ "env.yaml": "name: x\npython:\n  pipRequirements: ./nope.txt\n" });
    expect(e).toMatchObject({ code: "E_FILE_NOT_FOUND", location: { line: 3 } });
  });
});

describe("pip section: warnings", () => {
  it("W_UNPINNED names each unpinned package once, where it was written", async () => {
    const { engine, warnings } = pipEngine();
    const dir = writeTree({ "env.yaml": "python:\n  pip:\n    - numpy\n    - rich>=13\n    - pinned==1.0\n    - wild==1.*\n    - numpy[extra]\n" });
    await engine.hash(path.join(dir, "env.yaml"));
    const w = warnings("W_UNPINNED");
    expect(w.map((x) => x.message.split(" ")[0])).toEqual(['"numpy"', '"rich"', '"wild"']);
    expect(w[0]!.location).toMatchObject({ file: path.join(dir, "env.yaml"), line: 3 });
    expect(w[0]!.hint).toContain("numpy==");
  });

  it("a constraint that pins the package, a hashed URL or a commit-pinned VCS URL is not a warning", async () => {
    const { engine, warnings } = pipEngine();
    const dir = writeTree({
      "env.yaml": envFile(),
      "requirements.txt": "-c c.txt\nrich\nx @ https://h.example/x-1.0-py3-none-any.whl#sha256=" + "0".repeat(64) + "\ny @ git+https://h.example/y.git@" + "a".repeat(40) + "\nz @ git+https://h.example/z.git@main\n",
      "c.txt": "rich==13.7.1\n",
    });
    await engine.hash(path.join(dir, "env.yaml"));
    expect(warnings("W_UNPINNED").map((x) => x.message.split(" ")[0])).toEqual(['"z"']);
  });

  it("index options in a requirements file warn that they are build options, without credentials", async () => {
    const { engine, warnings } = pipEngine();
    const dir = writeTree({ "env.yaml": envFile(), "requirements.txt": "--index-url https://me:s3cr3t-token@pypi.example/simple\nrich==1\n" });
    await engine.hash(path.join(dir, "env.yaml"));
    const [w] = warnings("W_BUILD_OPTION");
    expect(w?.message).toContain("not hashed");
    expect(w?.message).not.toContain("s3cr3t-token");
    expect(w?.location).toMatchObject({ line: 1, column: 1 });
  });
});

describe("import", () => {
  it("an imported requirements file, written inline, hashes like the file itself", async () => {
    const files = {
      "requirements.txt": "# a comment\n--index-url https://pypi.example/simple\n--pre\nNumPy == 1.26.0\n-r extra.txt\n",
      "extra.txt": "rich>=13 ; python_version<'3.13'\n",
    };
    const dir = writeTree({ ...files, "env.yaml": envFile() });
    const imported = await importRequirementsFile(path.join(dir, "requirements.txt"));
    expect(imported.pip).toEqual(["--pre", "numpy==1.26", 'rich>=13; python_version < "3.13"']);
    expect(imported.buildOptions.indexUrl).toBe("https://pypi.example/simple");
    expect(imported.unpinned).toEqual(["rich"]);
    expect(imported.files).toEqual([path.join(dir, "requirements.txt"), path.join(dir, "extra.txt")]);
    expect(await hashTree({ "env.yaml": env(imported.pip) })).toBe(await hashTree({ ...files, "env.yaml": envFile() }));
  });
});
