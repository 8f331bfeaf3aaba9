import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { EnvforgeError } from "@envforge/core/plugin-kit";
import { describe, expect, it } from "vitest";
import { hostSubdir, lockConda } from "./lock.js";
import { parseMatchSpec } from "./matchspec.js";
import { loadRattler } from "./rattler.js";
import { rejection, tempDir } from "./testing/helpers.js";

interface Pkg {
  name: string;
  version: string;
  build: string;
  depends?: string[];
}

/** A local channel: `<subdir>/repodata.json` per subdir, as `conda index` writes it. */
async function channel(subdirs: Record<string, Pkg[]>): Promise<string> {
  const dir = await tempDir("envforge-channel-");
  let n = 0;
  for (const [subdir, pkgs] of Object.entries(subdirs)) {
    const entries: Record<string, unknown> = {};
    for (const p of pkgs) {
      n++;
      entries[`${p.name}-${p.version}-${p.build}.conda`] = {
        name: p.name,
        version: p.version,
        build: p.build,
        build_number: 0,
        depends: p.depends ?? [],
        subdir,
        ...(subdir === "noarch" ? { noarch: "generic" } : {}),
        md5: n.toString(16).padStart(32, "0"),
        sha256: n.toString(16).padStart(64, "0"),
        size: 100,
      };
    }
    await mkdir(path.join(dir, subdir), { recursive: true });
    await writeFile(path.join(dir, subdir, "repodata.json"), JSON.stringify({ info: { subdir }, packages: {}, "packages.conda": entries }));
  }
  return dir;
}

const PLATFORM = "linux-64";

async function sampleChannel() {
  return channel({
    noarch: [
      { name: "foo", version: "1.0", build: "pyh_0", depends: ["bar >=2"] },
      { name: "foo", version: "1.1", build: "pyh_0", depends: ["bar >=2.5"] },
      { name: "tzdata", version: "2024a", build: "h_0" },
    ],
    [PLATFORM]: [
      { name: "bar", version: "2.0", build: "h1_0" },
      { name: "bar", version: "2.5", build: "h1_0" },
      { name: "bar", version: "3.0", build: "h1_0", depends: ["tzdata"] },
    ],
  });
}

describe("lockConda (rattler's solver against a local channel)", () => {
  it("pins every dependency to one version and build, and lists the whole solution", async () => {
    const dir = await sampleChannel();
    const url = pathToFileURL(dir).href;
    const result = await lockConda({ channels: [url], dependencies: ["bar <3", "foo"] }, undefined, { platforms: [PLATFORM, "noarch"] });
    expect(result.pins).toEqual({ "bar <3": "bar ==2.5 h1_0", foo: "foo ==1.1 pyh_0" });
    expect(result.canonical).toEqual({ channels: [url], dependencies: ["bar ==2.5 h1_0", "foo ==1.1 pyh_0"] });
    expect(result.packages.map((p) => `${p.name}-${p.version}-${p.build}`)).toEqual(["bar-2.5-h1_0", "foo-1.1-pyh_0"]);
    const bar = result.packages[0]!;
    expect(bar.url).toBe(`${url}/${PLATFORM}/bar-2.5-h1_0.conda`);
    expect(bar.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(bar.md5).toMatch(/^[0-9a-f]{32}$/);
    for (const pin of result.canonical.dependencies) expect(parseMatchSpec(pin).pinned).toBe(true);
  });

  it("resolves transitive dependencies and honours the definition's constraints", async () => {
    const dir = await sampleChannel();
    const pinnedOld = await lockConda({ channels: [dir], dependencies: ["foo 1.0.*", "bar"] }, undefined, { platforms: [PLATFORM, "noarch"] });
    expect(pinnedOld.pins["foo 1.0.*"]).toBe("foo ==1 pyh_0"); // ==1 is ==1.0 to conda
    const newest = await lockConda({ channels: [dir], dependencies: ["bar"] }, undefined, { platforms: [PLATFORM, "noarch"] });
    expect(newest.packages.map((p) => p.name)).toEqual(["bar", "tzdata"]);
  });

  it("keeps variables and the channels as written when locking against other locations", async () => {
    const dir = await sampleChannel();
    const result = await lockConda({ channels: ["my-mirror"], dependencies: ["foo"], variables: { A: "1" } }, [dir], { platforms: [PLATFORM, "noarch"] });
    expect(result.canonical).toEqual({ channels: ["my-mirror"], dependencies: ["foo ==1.1 pyh_0"], variables: { A: "1" } });
  });

  it("reports what cannot be solved", async () => {
    const dir = await sampleChannel();
    const e = (await rejection(lockConda({ channels: [dir], dependencies: ["foo >=5"] }, undefined, { platforms: [PLATFORM, "noarch"] }))) as EnvforgeError;
    expect(e).toBeInstanceOf(EnvforgeError);
    expect(e.code).toBe("E_BUILD_FAILED");
    expect(e.message).toMatch(/cannot resolve/);
    expect(e.message).toMatch(/foo/);
  });

  it("needs a channel and a folder that exists", async () => {
    expect(((await rejection(lockConda({ channels: ["nodefaults"], dependencies: ["foo"] }))) as EnvforgeError).code).toBe("E_MISSING_FIELD");
    expect(((await rejection(lockConda({ channels: ["/nonexistent/channel"], dependencies: ["foo"] }))) as EnvforgeError).code).toBe("E_FILE_NOT_FOUND");
    expect(((await rejection(lockConda({ channels: ["/tmp"], dependencies: ["foo"] }, undefined, { platforms: ["plan9-64"] }))) as EnvforgeError).code).toBe("E_INVALID_VALUE");
  });

  it("serves local channels because rattler's WASM build cannot read file:// itself", async () => {
    // If this starts to pass, rattler reads file:// channels and the loopback server can go.
    const dir = await sampleChannel();
    const { simpleSolve } = await loadRattler();
    await expect(simpleSolve(["foo"], [pathToFileURL(dir).href], [PLATFORM, "noarch"], [])).rejects.toThrow(/failed to parse repodata\.json/);
    await expect(simpleSolve(["foo"], [dir], [PLATFORM, "noarch"], [])).rejects.toThrow(/invalid path/);
  });

  it("knows this machine's subdir", () => {
    expect(hostSubdir("linux", "x64")).toBe("linux-64");
    expect(hostSubdir("linux", "arm64")).toBe("linux-aarch64");
    expect(hostSubdir("darwin", "arm64")).toBe("osx-arm64");
    expect(hostSubdir("darwin", "x64")).toBe("osx-64");
    expect(hostSubdir("win32", "x64")).toBe("win-64");
  });
});
