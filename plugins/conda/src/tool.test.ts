import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { EnvforgeError } from "@envforge/core/plugin-kit";
import { describe, expect, it } from "vitest";
import { parseExplicit } from "./lock-output.js";
import { rejection, tempDir } from "./testing/helpers.js";
import { createArgs, explicitLockCommands, exportArgs, findCondaTool, kindOf, prefixPython, type CondaTool } from "./tool.js";

const micromamba: CondaTool = { kind: "micromamba", path: "/opt/bin/micromamba" };
const mamba: CondaTool = { kind: "mamba", path: "/opt/bin/mamba" };
const conda: CondaTool = { kind: "conda", path: "/opt/bin/conda" };

describe("command lines", () => {
  it("creates the prefix from the definition's channels only, in order, then the specs", () => {
    expect(createArgs(micromamba, { prefix: "/c/p", channels: ["conda-forge", "bioconda"], specs: ["numpy 1.26.*", "python 3.11.*"] })).toEqual([
      "create", "--yes", "--prefix", "/c/p", "--override-channels", "--channel", "conda-forge", "--channel", "bioconda", "numpy 1.26.*", "python 3.11.*",
    ]);
    expect(createArgs(mamba, { prefix: "/c/p", channels: ["conda-forge"], specs: ["numpy"] })).toEqual([
      "create", "--yes", "--prefix", "/c/p", "--override-channels", "--channel", "conda-forge", "numpy",
    ]);
  });

  it("keeps conda's progress bars out of the log", () => {
    expect(createArgs(conda, { prefix: "/p", channels: ["defaults"], specs: ["numpy"] })).toEqual([
      "create", "--yes", "--prefix", "/p", "--override-channels", "--channel", "defaults", "--quiet", "numpy",
    ]);
  });

  it("reads nodefaults as 'no defaults', not as a channel", () => {
    const args = createArgs(micromamba, { prefix: "/p", channels: ["conda-forge", "nodefaults"], specs: ["numpy"] });
    expect(args).not.toContain("nodefaults");
    expect(args).toContain("--override-channels");
    expect(createArgs(micromamba, { prefix: "/p", channels: ["nodefaults"], specs: [] })).toEqual(["create", "--yes", "--prefix", "/p", "--override-channels"]);
  });

  it("uses the tool's configured channels when the definition names none", () => {
    expect(createArgs(micromamba, { prefix: "/p", channels: [], specs: ["numpy"] })).toEqual(["create", "--yes", "--prefix", "/p", "numpy"]);
  });

  it("passes --offline and extra arguments before the specs", () => {
    expect(createArgs(micromamba, { prefix: "/p", channels: ["c"], specs: ["numpy"], offline: true, extraArgs: ["--strict-channel-priority"] })).toEqual([
      "create", "--yes", "--prefix", "/p", "--override-channels", "--channel", "c", "--offline", "--strict-channel-priority", "numpy",
    ]);
  });

  it("passes each spec as one argument (specs have spaces; no shell is involved)", () => {
    const args = createArgs(micromamba, { prefix: "/p q", channels: [], specs: ["numpy >=1.18", "scipy[version='>=1,<2']"] });
    expect(args.slice(-2)).toEqual(["numpy >=1.18", "scipy[version='>=1,<2']"]);
    expect(args[3]).toBe("/p q");
  });

  it("locks with the best explicit form each tool knows, falling back to older ones", () => {
    expect(explicitLockCommands(conda, "/p")).toEqual([
      ["list", "--explicit", "--sha256", "--prefix", "/p"],
      ["list", "--explicit", "--md5", "--prefix", "/p"],
    ]);
    expect(explicitLockCommands(mamba, "/p").at(-1)).toEqual(["env", "export", "--explicit", "--prefix", "/p"]);
    expect(explicitLockCommands(micromamba, "/p")).toEqual([["env", "export", "--explicit", "--prefix", "/p"]]);
  });

  it("exports without build strings, in each tool's spelling", () => {
    expect(exportArgs(conda, "/p")).toEqual(["env", "export", "--no-builds", "--prefix", "/p"]);
    expect(exportArgs(mamba, "/p")).toEqual(["env", "export", "--no-builds", "--prefix", "/p"]);
    expect(exportArgs(micromamba, "/p")).toEqual(["env", "export", "--no-build", "--prefix", "/p"]);
  });

  it("installs the pip part with the prefix's own interpreter", () => {
    expect(prefixPython("/p", "linux")).toBe(path.join("/p", "bin", "python"));
    expect(prefixPython("/p", "win32")).toBe(path.join("/p", "python.exe"));
  });

  it("knows a tool's kind from its file name", () => {
    expect(kindOf("/x/micromamba")).toBe("micromamba");
    expect(kindOf("/x/mamba")).toBe("mamba");
    expect(kindOf("/x/conda")).toBe("conda");
    expect(kindOf("C:/x/micromamba.exe")).toBe("micromamba");
  });
});

describe("finding the tool", () => {
  async function bin(names: string[], executable = true): Promise<string> {
    const dir = await tempDir();
    for (const name of names) {
      await writeFile(path.join(dir, name), "#!/bin/sh\n");
      await chmod(path.join(dir, name), executable ? 0o755 : 0o644);
    }
    return dir;
  }

  it("prefers micromamba, then mamba, then conda", async () => {
    const a = await bin(["conda"]);
    const b = await bin(["mamba", "micromamba"]);
    const searchPath = [a, b].join(path.delimiter);
    expect(await findCondaTool(undefined, searchPath)).toEqual({ kind: "micromamba", path: path.join(b, "micromamba") });
    expect(await findCondaTool(undefined, [a, await bin(["mamba"])].join(path.delimiter))).toMatchObject({ kind: "mamba" });
    expect(await findCondaTool(undefined, a)).toEqual({ kind: "conda", path: path.join(a, "conda") });
  });

  it("takes the tool the option names, by kind or by path", async () => {
    const dir = await bin(["micromamba", "conda"]);
    expect(await findCondaTool("conda", dir)).toEqual({ kind: "conda", path: path.join(dir, "conda") });
    expect(await findCondaTool(path.join(dir, "micromamba"), "")).toEqual({ kind: "micromamba", path: path.join(dir, "micromamba") });
  });

  it("ignores files that are not executable, and folders", async () => {
    const dir = await bin(["micromamba"], false);
    await mkdir(path.join(dir, "mamba"));
    const e = (await rejection(findCondaTool(undefined, dir))) as EnvforgeError;
    expect(e.code).toBe("E_TOOL_NOT_FOUND");
  });

  it("tells the user what to install when none is there", async () => {
    const e = (await rejection(findCondaTool(undefined, await bin([])))) as EnvforgeError;
    expect(e).toBeInstanceOf(EnvforgeError);
    expect(e.code).toBe("E_TOOL_NOT_FOUND");
    expect(e.message).toMatch(/micromamba, mamba or conda/);
    expect(e.hint).toMatch(/install one of micromamba/);
    expect(e.hint).toMatch(/https:\/\/mamba\.readthedocs\.io/);
    expect(e.hint).toMatch(/Miniforge/);
    expect(e.hint).toMatch(/conda\.tool/);
  });

  it("says so when the configured tool is missing", async () => {
    const e = (await rejection(findCondaTool("/nowhere/micromamba", ""))) as EnvforgeError;
    expect(e.code).toBe("E_TOOL_NOT_FOUND");
    expect(e.message).toMatch(/\/nowhere\/micromamba.*conda\.tool/);
  });
});

describe("reading the lock", () => {
  it("reads an explicit spec with md5 or sha256 fragments", () => {
    const text = [
      "# platform: linux-64",
      "@EXPLICIT",
      "https://conda.anaconda.org/conda-forge/linux-64/numpy-1.26.4-py312h_0.conda#0123456789abcdef0123456789abcdef",
      "https://conda.anaconda.org/conda-forge/noarch/tzdata-2024a-h0c530f3_0.conda#sha256:" + "AB".repeat(32),
      "https://conda.anaconda.org/conda-forge/linux-64/_libgcc_mutex-0.1-conda_forge.tar.bz2",
      "https://repo.example.org/linux-64/python-dateutil-2.9.0-pyhd8ed1ab_0.conda#" + "cd".repeat(32),
    ].join("\n");
    expect(parseExplicit(text)).toEqual([
      { ecosystem: "conda", name: "_libgcc_mutex", version: "0.1", build: "conda_forge", source: "https://conda.anaconda.org/conda-forge/linux-64/_libgcc_mutex-0.1-conda_forge.tar.bz2" },
      { ecosystem: "conda", name: "numpy", version: "1.26.4", build: "py312h_0", source: "https://conda.anaconda.org/conda-forge/linux-64/numpy-1.26.4-py312h_0.conda", md5: "0123456789abcdef0123456789abcdef" },
      { ecosystem: "conda", name: "python-dateutil", version: "2.9.0", build: "pyhd8ed1ab_0", source: "https://repo.example.org/linux-64/python-dateutil-2.9.0-pyhd8ed1ab_0.conda", sha256: "cd".repeat(32) },
      { ecosystem: "conda", name: "tzdata", version: "2024a", build: "h0c530f3_0", source: "https://conda.anaconda.org/conda-forge/noarch/tzdata-2024a-h0c530f3_0.conda", sha256: "ab".repeat(32) },
    ]);
  });
});
