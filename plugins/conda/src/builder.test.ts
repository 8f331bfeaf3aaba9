import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { EnvforgeError } from "@envforge/core/plugin-kit";
import { describe, expect, it, vi } from "vitest";
import { planBuild } from "./builder.js";
import { condaEngine, rejection, tempDir } from "./testing/helpers.js";
import { fakeTool, makeWheel, type FakeTool } from "./testing/fake-tool.js";

/**
 * The conda target end to end through the engine, driving a stand-in for micromamba/conda (see
 * testing/fake-tool.ts: no conda tool can be installed here). What is real: the engine, the
 * command lines, the process handling, the pip install into the prefix (a real venv, a real
 * wheel), the lock, the cache entry. The real-tool test is test/conda-build/.
 */
const calls = (tool: FakeTool): { tool: string; args: string[] }[] =>
  existsSync(tool.log) ? readFileSync(tool.log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { tool: string; args: string[] }) : [];

describe("conda target", () => {
  it("creates the prefix, installs the pip part, records the lock, and hits the cache next time", { timeout: 120_000 }, async () => {
    const tool = await fakeTool("micromamba");
    const wheels = await tempDir();
    await makeWheel(wheels, "hello_envforge", "1.0");
    const { engine, events } = await condaEngine();
    const definition = {
      object: {
        name: "demo",
        python: {
          version: "3.11",
          conda: {
            channels: ["conda-forge", "nodefaults"],
            dependencies: ["numpy=1.26", { pip: ["hello_envforge==1.0"] }],
            variables: { OMP_NUM_THREADS: 4 },
          },
        },
      },
    };
    const request = {
      target: "conda",
      // Where pip looks is the pip builder options, the same as for the venv target.
      builderOptions: { conda: { tool: tool.path, env: { FAKE_CONDA_LOG: tool.log } }, pip: { noIndex: true, findLinks: [wheels] } },
    };
    const first = await engine.build(definition, request);
    expect(first.cached).toBe(false);
    const prefix = first.entry.artifact.path!;
    expect(first.entry.artifact).toMatchObject({ kind: "conda-prefix", details: { tool: "micromamba", toolVersion: "fake 1.5.8" } });
    expect(first.entry.builder).toBe("conda:micromamba");

    const create = calls(tool).find((c) => c.args[0] === "create")!;
    // python.version and the pip part add python and pip when the conda list does not name them.
    expect(create.args).toEqual(["create", "--yes", "--prefix", prefix, "--override-channels", "--channel", "conda-forge", "numpy 1.26.*", "python 3.11.*", "pip"]);

    const python = path.join(prefix, "bin", "python");
    expect(execFileSync(python, ["-c", "import hello_envforge; print(hello_envforge.VERSION)"], { encoding: "utf8" }).trim()).toBe("1.0");
    expect(JSON.parse(await readFile(path.join(prefix, "conda-meta", "state"), "utf8"))).toEqual({ env_vars: { OMP_NUM_THREADS: "4" } });

    const lock = first.entry.lock!;
    expect(lock.packages).toContainEqual(expect.objectContaining({ ecosystem: "conda", name: "numpy", version: "1.26.4", build: "py311h_0", md5: "0123456789abcdef0123456789abcdef" }));
    expect(lock.packages).toContainEqual({ ecosystem: "pip", name: "hello-envforge", version: "1.0" });
    expect(lock.packages.filter((p) => p.ecosystem === "pip").map((p) => p.name)).not.toContain("numpy");
    expect(lock.raw?.["conda-explicit"]).toMatch(/^@EXPLICIT$/m);
    expect(lock.raw?.["pip-freeze"]).toMatch(/hello_envforge==1\.0/);

    const log = events.filter((e) => e.type === "log").map((e) => (e as { line: string }).line);
    expect(log.some((l) => l.startsWith("$ ") && l.includes("create"))).toBe(true);
    expect(log).toContain("Transaction");

    const again = await engine.build(definition, request);
    expect(again).toMatchObject({ cached: true, hash: first.hash });
    expect(calls(tool).filter((c) => c.args[0] === "create")).toHaveLength(1);
  });

  it("says, at python.interpreterPath, that a system-managed interpreter path is not used for a prefix", { timeout: 120_000 }, async () => {
    const tool = await fakeTool("micromamba");
    const { engine, events } = await condaEngine();
    const definition = { object: { python: { interpreterPath: "/usr/bin/python3", conda: { channels: ["conda-forge"], dependencies: ["numpy=1.26"] } } } };
    const built = await engine.build(definition, { target: "conda", builderOptions: { conda: { tool: tool.path, env: { FAKE_CONDA_LOG: tool.log } } } });
    expect(built.cached).toBe(false);
    const warnings = events.filter((e) => e.type === "warning" && e.code === "W_INTERPRETER_IGNORED");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ message: expect.stringContaining("/usr/bin/python3") });
  });

  it("locks with conda's sha256 form, and falls back to md5 on a conda without it", async () => {
    for (const [noSha, expected] of [[false, { sha256: "ab".repeat(32) }], [true, { md5: "0123456789abcdef0123456789abcdef" }]] as const) {
      const tool = await fakeTool("conda");
      const { engine } = await condaEngine();
      const env: Record<string, string> = { FAKE_CONDA_LOG: tool.log, FAKE_CONDA_BARE: "1" };
      if (noSha) env.FAKE_CONDA_NO_SHA256 = "1";
      const result = await engine.build({ object: { python: { conda: { channels: ["defaults"], dependencies: ["numpy=1.26"] } } } }, { target: "conda", builderOptions: { conda: { tool: tool.path, env } } });
      expect(result.entry.lock!.packages.find((p) => p.name === "numpy")).toMatchObject(expected);
      expect(result.entry.lock!.raw?.["pip-freeze"]).toBeUndefined(); // no interpreter in this prefix
      const lists = calls(tool).filter((c) => c.args[0] === "list").map((c) => c.args[2]);
      expect(lists).toEqual(noSha ? ["--sha256", "--md5"] : ["--sha256"]);
      expect(calls(tool).find((c) => c.args[0] === "create")!.args).toContain("--quiet");
    }
  });

  it("fails with the solver's message and leaves no cache entry", async () => {
    const tool = await fakeTool("micromamba");
    const { engine } = await condaEngine();
    const definition = { object: { python: { conda: { channels: ["conda-forge"], dependencies: ["doesnotexist=1.0"] } } } };
    const options = { target: "conda", builderOptions: { conda: { tool: tool.path, env: { FAKE_CONDA_LOG: tool.log, FAKE_CONDA_FAIL: "1" } } } };
    const e = (await rejection(engine.build(definition, options))) as EnvforgeError;
    expect(e.code).toBe("E_BUILD_FAILED");
    expect(e.message).toMatch(/micromamba create failed \(exit 1\)/);
    expect(String(e.details?.output)).toMatch(/nothing provides requested doesnotexist/);
    const { hash } = await engine.hash(definition);
    expect(await engine.lookup(hash, "conda")).toBeUndefined();
  });

  it("tells the user what to install when no tool is on PATH, and leaves no entry", async () => {
    vi.stubEnv("PATH", await tempDir());
    try {
      const { engine } = await condaEngine();
      const definition = { object: { python: { conda: { dependencies: ["numpy=1.26"] } } } };
      const e = (await rejection(engine.build(definition, { target: "conda" }))) as EnvforgeError;
      expect(e.code).toBe("E_TOOL_NOT_FOUND");
      expect(e.hint).toMatch(/micromamba/);
      expect(await engine.lookup((await engine.hash(definition)).hash, "conda")).toBeUndefined();
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("kills the tool and everything it started when the build is cancelled", async () => {
    const tool = await fakeTool("micromamba");
    const pidFile = path.join(tool.dir, "grandchild.pid");
    const { engine } = await condaEngine();
    const controller = new AbortController();
    const build = engine.build(
      { object: { python: { conda: { dependencies: ["numpy=1.26"] } } } },
      { target: "conda", signal: controller.signal, builderOptions: { conda: { tool: tool.path, env: { FAKE_CONDA_LOG: tool.log, FAKE_CONDA_HANG: pidFile } } } },
    );
    await vi.waitFor(() => expect(existsSync(pidFile) && readFileSync(pidFile, "utf8").length > 0).toBe(true), { timeout: 20_000, interval: 50 });
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    controller.abort();
    const e = (await rejection(build)) as EnvforgeError;
    expect(e.code).toBe("E_ABORTED");
    await vi.waitFor(() => expect(() => process.kill(grandchild, 0)).toThrow(), { timeout: 10_000, interval: 50 });
  });

  it("refuses unknown builder options", async () => {
    const { engine } = await condaEngine();
    const e = (await rejection(engine.build({ object: { python: { conda: { dependencies: ["numpy=1.26"] } } } }, { target: "conda", builderOptions: { conda: { channelOverride: ["x"] } } }))) as EnvforgeError;
    expect(e.code).toBe("E_INVALID_VALUE");
    expect(e.hint).toMatch(/channelsOverride/);
  });
});

describe("what a build installs", () => {
  it("adds python for python.version and for a pip part, and pip for a pip part, unless named", async () => {
    const canonical = (sections: Record<string, unknown>) => ({ contract: "efh1" as const, sections: sections as never });
    expect(await planBuild(canonical({ conda: { channels: ["c"], dependencies: ["numpy 1.26.*"] } }))).toEqual({
      channels: ["c"], specs: ["numpy 1.26.*"], variables: {}, added: [],
    });
    expect((await planBuild(canonical({ python: { version: "3.12" }, conda: { channels: [], dependencies: ["python >=3.10"] }, pip: ["rich==13.7.1"] }))).specs).toEqual(["python >=3.10", "pip"]);
    expect((await planBuild(canonical({ pip: ["rich==13.7.1"] }))).specs).toEqual(["python", "pip"]);
    expect((await planBuild(canonical({ pip: { requirements: ["rich==13.7.1"] } }))).added).toEqual(["python", "pip"]);
    expect((await planBuild(canonical({ conda: { channels: ["conda-forge"], dependencies: [] } }), { channelsOverride: ["file:///mirror"] })).channels).toEqual(["file:///mirror"]);
  });
});
