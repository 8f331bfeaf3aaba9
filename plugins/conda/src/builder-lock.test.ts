import { existsSync, readFileSync } from "node:fs";
import type { EnvforgeError, LockedCondaPackage } from "@envforge/core/plugin-kit";
import { describe, expect, it } from "vitest";
import { condaImageFragment } from "./image-fragment.js";
import { hostSubdir } from "./lock.js";
import { condaEngine, rejection, stubLockPlugin } from "./testing/helpers.js";
import { fakeTool, type FakeTool } from "./testing/fake-tool.js";

/**
 * A definition with a lock builds exactly the lock: the conda target writes the explicit list and
 * runs `create --file` with it (the fake tool of testing/fake-tool.ts records the argv and the
 * file's content: no conda tool can be installed here), and the image fragment does the same.
 * The lock reaches the builder as the canonical `lock` section (LOCK.md); a stub declares it.
 */

const SHA = (c: string) => c.repeat(64);
const SUBDIR = hostSubdir();
const LOCKED: LockedCondaPackage[] = [
  { name: "numpy", version: "1.26.4", build: "py311h_0", channel: "conda-forge", subdir: SUBDIR, file: "numpy-1.26.4-py311h_0.conda", sha256: SHA("a") },
  { name: "python", version: "3.11.9", build: "h_0_cpython", channel: "conda-forge", subdir: SUBDIR, file: "python-3.11.9-h_0_cpython.conda", md5: "0123456789abcdef0123456789abcdef" },
  { name: "tzdata", version: "2024a", build: "h0c530f3_0", channel: "my-labs", subdir: "noarch", file: "tzdata-2024a-h0c530f3_0.conda", sha256: SHA("b") },
];
const definition = {
  object: {
    python: { conda: { channels: ["conda-forge", "my-labs"], dependencies: ["numpy=1.26"] } },
    testLock: { version: 1, platform: "linux-x86_64", conda: LOCKED },
  },
};
const calls = (tool: FakeTool) =>
  existsSync(tool.log) ? readFileSync(tool.log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { args: string[]; file?: string }) : [];

describe("conda target with a lock", () => {
  it("installs the explicit list built from the lock, with the build's channel URLs", { timeout: 60_000 }, async () => {
    const tool = await fakeTool("micromamba");
    const { engine } = await condaEngine({ engine: { plugins: [stubLockPlugin] } });
    const conda = { tool: tool.path, env: { FAKE_CONDA_LOG: tool.log, FAKE_CONDA_BARE: "1" }, channelUrls: { "my-labs": "https://mirror.example/labs" } };
    const built = await engine.build(definition, { target: "conda", builderOptions: { conda } });
    const prefix = built.entry.artifact.path!;
    const create = calls(tool).find((c) => c.args[0] === "create")!;
    expect(create.args.slice(0, -1)).toEqual(["create", "--yes", "--prefix", prefix, "--file"]);
    expect(create.args.at(-1)).toMatch(/conda-lock\.explicit\.txt$/);
    expect(create.file).toBe(
      [
        "# Written by envforge from the definition's lock: every conda package, installed as listed.",
        "@EXPLICIT",
        `https://conda.anaconda.org/conda-forge/${SUBDIR}/numpy-1.26.4-py311h_0.conda#sha256:${SHA("a")}`,
        `https://conda.anaconda.org/conda-forge/${SUBDIR}/python-3.11.9-h_0_cpython.conda#0123456789abcdef0123456789abcdef`,
        `https://mirror.example/labs/noarch/tzdata-2024a-h0c530f3_0.conda#sha256:${SHA("b")}`,
        "",
      ].join("\n"),
    );
    expect(built.entry.artifact.details).toMatchObject({ fromLock: 3 });
  });

  it("maps channelsOverride onto the channel names when it pairs up, and adds --offline and createArgs", { timeout: 60_000 }, async () => {
    const tool = await fakeTool("conda");
    const { engine } = await condaEngine({ engine: { plugins: [stubLockPlugin] } });
    const conda = { tool: tool.path, env: { FAKE_CONDA_LOG: tool.log, FAKE_CONDA_BARE: "1" }, channelsOverride: ["file:///srv/cf", "file:///srv/labs"], offline: true, createArgs: ["--no-shortcuts"] };
    const built = await engine.build(definition, { target: "conda", builderOptions: { conda } });
    const create = calls(tool).find((c) => c.args[0] === "create")!;
    expect(create.args).toEqual(["create", "--yes", "--prefix", built.entry.artifact.path!, "--offline", "--quiet", "--no-shortcuts", "--file", create.args.at(-1)]);
    expect(create.file!.split("\n").slice(2, 5).map((l) => l.split("#")[0])).toEqual([
      `file:///srv/cf/${SUBDIR}/numpy-1.26.4-py311h_0.conda`,
      `file:///srv/cf/${SUBDIR}/python-3.11.9-h_0_cpython.conda`,
      "file:///srv/labs/noarch/tzdata-2024a-h0c530f3_0.conda",
    ]);
  });

  it("fails naming the package whose file does not match, and re-resolves nothing", { timeout: 60_000 }, async () => {
    const tool = await fakeTool("micromamba");
    const { engine } = await condaEngine({ engine: { plugins: [stubLockPlugin] } });
    const env = { FAKE_CONDA_LOG: tool.log, FAKE_CONDA_BARE: "1", FAKE_CONDA_BAD_FILE: `https://conda.anaconda.org/conda-forge/${SUBDIR}/numpy-1.26.4-py311h_0.conda` };
    const e = (await rejection(engine.build(definition, { target: "conda", builderOptions: { conda: { tool: tool.path, env } } }))) as EnvforgeError;
    expect(e.code).toBe("E_BUILD_FAILED");
    expect(e.message).toContain("numpy 1.26.4 (numpy-1.26.4-py311h_0.conda)");
    expect(calls(tool).filter((c) => c.args[0] === "create")).toHaveLength(1);
  });

  it("refuses a lock made for another platform, naming both, before creating anything", { timeout: 60_000 }, async () => {
    const tool = await fakeTool("micromamba");
    const { engine } = await condaEngine({ engine: { plugins: [stubLockPlugin] } });
    const other = SUBDIR === "linux-64" ? "osx-arm64" : "linux-64";
    const foreign = { object: { ...definition.object, testLock: { version: 1, platform: "elsewhere", conda: LOCKED.map((p) => (p.subdir === "noarch" ? p : { ...p, subdir: other })) } } };
    const e = (await rejection(engine.build(foreign, { target: "conda", builderOptions: { conda: { tool: tool.path, env: { FAKE_CONDA_LOG: tool.log, FAKE_CONDA_BARE: "1" } } } }))) as EnvforgeError;
    expect(e.code).toBe("E_LOCK_MISMATCH");
    expect(e.message).toContain("elsewhere");
    expect(e.message).toContain(SUBDIR);
    expect(calls(tool).filter((c) => c.args[0] === "create")).toEqual([]);
  });

  it("gives an image the same explicit list, created with whichever tool the base image has", () => {
    const canonical = { contract: "efh1" as const, sections: { lock: { version: 1, platform: "linux-x86_64", conda: LOCKED } } as never };
    const fragment = condaImageFragment({ channels: ["conda-forge", "my-labs"], dependencies: ["numpy 1.26.*"] }, { canonical, options: { conda: { channelUrls: { "my-labs": "https://mirror.example/labs" } } } })!;
    expect(fragment.files!["envforge/conda/explicit.txt"]).toContain(`https://mirror.example/labs/noarch/tzdata-2024a-h0c530f3_0.conda#sha256:${SHA("b")}`);
    const script = fragment.files!["envforge/conda/create.sh"]!;
    expect(script).toContain(`  micromamba) exec "$tool" 'create' '--yes' '--prefix' '/opt/envforge/conda-env' '--file' '/envforge/conda/explicit.txt' ;;`);
    expect(script).toContain(`  conda) exec "$tool" 'create' '--yes' '--prefix' '/opt/envforge/conda-env' '--quiet' '--file' '/envforge/conda/explicit.txt' ;;`);
    expect(script).not.toContain("numpy 1.26.*");
    // Without a lock: the specs, as before.
    expect(condaImageFragment({ channels: ["conda-forge"], dependencies: ["numpy 1.26.*"] }, { canonical: { contract: "efh1", sections: {} as never }, options: {} })!.files!["envforge/conda/create.sh"]).toContain("'numpy 1.26.*'");
  });
});
