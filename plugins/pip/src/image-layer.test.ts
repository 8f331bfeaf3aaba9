import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type CanonicalSpec, type ImageFragmentContext } from "@envforge/core/plugin-kit";
import { fallbackPipFragment, IMAGE_VENV, pipImageFragment } from "./image-layer.js";

// Moved with fallbackPipFragment from the docker plugin's generator tests.
const tmp = mkdtempSync(path.join(os.tmpdir(), "envforge-pip-image-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("pip's image layer", () => {
  it("refuses a version that is not a plain version number", () => {
    expect(() => fallbackPipFragment(["a==1"], {}, "3'+'")).toThrow(/invalid python version/);
  });

  it("the fallback pip fragment passes requirements through a file and exec-form RUNs only", () => {
    const wheels = path.join(tmp, "wheels");
    mkdirSync(wheels, { recursive: true });
    const hostile = ["foo; rm -rf /", "bar==$(id)", "baz`id`"];
    const f = fallbackPipFragment(hostile, { pip: { findLinks: [wheels, "https://wheels.example/x/"], noIndex: true } });
    expect(f.order).toBe(40);
    expect(f.files).toEqual({ "envforge/pip/requirements.txt": "foo; rm -rf /\nbar==$(id)\nbaz`id`\n" });
    expect(f.folders).toEqual({ "envforge/pip/wheels/0": wheels });
    for (const instruction of f.instructions) {
      for (const bad of hostile) expect(instruction).not.toContain(bad);
      expect(instruction).toMatch(/^(RUN \[.*\]|COPY envforge\/[\w/.]+ \/envforge\/[\w/.]+)$/);
    }
    const install = JSON.parse(f.instructions.at(-1)!.slice(4)) as string[];
    expect(install).toEqual([
      `${IMAGE_VENV}/bin/python`, "-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check",
      "--find-links", "/envforge/pip/wheels/0", "--find-links", "https://wheels.example/x/", "--no-index",
      "-r", "/envforge/pip/requirements.txt",
    ]);
    expect(f.instructions[0]).toBe(`RUN ["python3","-m","venv","${IMAGE_VENV}"]`);
    expect(f.instructions).toHaveLength(3);
  });

  it("the fallback pip fragment checks python.version in the same step that creates the venv", () => {
    const f = fallbackPipFragment(["a==1"], {}, "3.11");
    const argv = JSON.parse(f.instructions[0]!.slice(4)) as string[];
    expect(argv.slice(0, 2)).toEqual(["python3", "-c"]);
    expect(argv[2]).toContain("want = '3.11'");
    expect(argv[2]).toContain(`venv.create('${IMAGE_VENV}', with_pip=True)`);
  });

  it.each([
    [["ok==1", "evil\n--index-url http://evil"], "cannot be written"],
    [["-r /etc/passwd"], "cannot be written"],
    [{ weird: true }, "not one the built-in image fragment understands"],
    [{ requirements: ["a==1"], options: ["--index-url=http://evil"] }, "cannot be used in an image build"],
    [{ requirements: ["a==1"], constraints: ["-r /etc/passwd"] }, "cannot be written"],
  ])("the fallback pip fragment refuses %j", (value, why) => {
    expect(() => fallbackPipFragment(value as never, {})).toThrow(why);
  });

  it("the fallback pip fragment keeps the pip plugin's constraints and install options", () => {
    const f = fallbackPipFragment({ requirements: ["a==1", "b>=2"], constraints: ["c<3"], options: ["--pre", "--no-binary=:all:"] }, {});
    expect(f.files).toEqual({
      "envforge/pip/requirements.txt": "--pre\n--no-binary=:all:\n-c constraints.txt\na==1\nb>=2\n",
      "envforge/pip/constraints.txt": "c<3\n",
    });
  });

  it.each([
    [{ indexUrl: "https://user:secret@pypi.example/simple" }, "holds credentials"],
    [{ findLinks: "/no/such/folder" }, "does not exist"],
    [{ indexUrl: "not a url" }, "not a URL"],
  ])("the fallback pip fragment refuses index options %j", (pip, why) => {
    expect(() => fallbackPipFragment(["a==1"], { pip })).toThrow(why);
  });

  it("pipImageFragment takes python.version and conda from the other sections", () => {
    const ctx = (sections: Record<string, unknown>): Pick<ImageFragmentContext, "canonical" | "options"> => ({
      canonical: { contract: "efh1", sections } as CanonicalSpec,
      options: {},
    });
    const venv = pipImageFragment(["a==1"], ctx({ pip: ["a==1"], python: { version: "3.11" } }));
    expect(venv.checksPythonVersion).toBe(true);
    expect(venv.instructions[0]).toContain("want = '3.11'");
    const conda = pipImageFragment(["a==1"], ctx({ pip: ["a==1"], conda: {}, python: { version: "3.11" } }));
    expect(conda.checksPythonVersion).toBe(false);
    expect(conda.instructions.at(-1)).toContain("/opt/envforge/conda-env/bin/python");
  });
});
