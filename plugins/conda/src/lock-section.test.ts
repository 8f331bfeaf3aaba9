import { pathToFileURL } from "node:url";
import { EnvforgeError } from "@envforge/core/plugin-kit";
import { describe, expect, it } from "vitest";
import { explicitFile } from "./explicit.js";
import { condaSubdirOf, lockCondaSection } from "./lock-section.js";
import { fileSha256, packageFile, writeChannel } from "./testing/channel.js";
import { rejection, tempDir } from "./testing/helpers.js";

/**
 * The conda part of a lock, from a local channel of real `.tar.bz2` packages this test writes
 * (testing/channel.ts), solved by rattler in-process: no conda tool is needed.
 */
const PLATFORM = "linux-x86_64";
const ids = (packages: { name: string; version: string }[]) => packages.map((p) => `${p.name}-${p.version}`);

async function chain() {
  const dir = await tempDir("envforge-chain-");
  await writeChannel(dir, [
    { name: "a", version: "1.0", depends: ["b"] },
    { name: "b", version: "1.0", depends: ["c >=1"] },
    { name: "c", version: "1.0", subdir: "linux-64" },
  ]);
  return dir;
}

describe("lockCondaSection: the whole closure of a conda section", () => {
  it("pins a → b → c whole, each by channel name, subdir, file name and the file's own digest", async () => {
    const dir = await chain();
    const lock = await lockCondaSection({ channels: ["local"], dependencies: ["a"] }, { platform: PLATFORM, channelUrls: { local: dir } });
    expect(lock).toMatchObject({ platform: PLATFORM, subdir: "linux-64" });
    expect(lock.packages).toEqual([
      expect.objectContaining({ name: "a", version: "1.0", build: "0", channel: "local", subdir: "noarch", file: "a-1.0-0.tar.bz2" }),
      expect.objectContaining({ name: "b", version: "1.0", build: "0", channel: "local", subdir: "noarch", file: "b-1.0-0.tar.bz2" }),
      expect.objectContaining({ name: "c", version: "1.0", build: "0", channel: "local", subdir: "linux-64", file: "c-1.0-0.tar.bz2" }),
    ]);
    for (const p of lock.packages) {
      expect(p.sha256).toBe(fileSha256(dir, p.subdir, p.file));
      expect(p.md5).toMatch(/^[0-9a-f]{32}$/);
    }
    // Where it was fetched from never reaches the lock.
    expect(JSON.stringify(lock)).not.toContain(dir);
    expect(JSON.stringify(lock)).not.toContain("127.0.0.1");
  });

  it("records a channel the definition writes as a folder URL as written", async () => {
    const dir = await chain();
    const url = pathToFileURL(dir).href;
    const lock = await lockCondaSection({ channels: [url, "nodefaults"], dependencies: ["a"] }, { platform: "linux-64" });
    expect(new Set(lock.packages.map((p) => p.channel))).toEqual(new Set([url]));
  });

  it("keeps a locked closure when a newer b appears; --upgrade and --upgrade-package b move it", async () => {
    const dir = await chain();
    const conda = { channels: ["local"], dependencies: ["a"] };
    const options = { platform: PLATFORM, channelUrls: { local: dir } };
    const first = await lockCondaSection(conda, options);
    await writeChannel(dir, [
      { name: "b", version: "2.0", depends: ["c >=1"] },
      { name: "c", version: "2.0", subdir: "linux-64" },
    ]);

    const kept = await lockCondaSection(conda, { ...options, previous: first.packages });
    expect(kept.packages).toEqual(first.packages);

    const fresh = await lockCondaSection(conda, options);
    expect(ids(fresh.packages)).toEqual(["a-1.0", "b-2.0", "c-2.0"]);
    const upgraded = await lockCondaSection(conda, { ...options, previous: first.packages, upgrade: true });
    expect(ids(upgraded.packages)).toEqual(["a-1.0", "b-2.0", "c-2.0"]);
    const justB = await lockCondaSection(conda, { ...options, previous: first.packages, upgradePackages: ["B"] });
    expect(ids(justB.packages)).toEqual(["a-1.0", "b-2.0", "c-1.0"]);
  });

  it("re-resolves only what a changed requirement needs, and drops what is no longer needed", async () => {
    const dir = await chain();
    const options = { platform: PLATFORM, channelUrls: { local: dir } };
    const first = await lockCondaSection({ channels: ["local"], dependencies: ["a"] }, options);
    await writeChannel(dir, [
      { name: "b", version: "2.0", depends: ["c >=1"] },
      { name: "c", version: "2.0", subdir: "linux-64" },
    ]);
    const changed = await lockCondaSection({ channels: ["local"], dependencies: ["a", "b >=2"] }, { ...options, previous: first.packages });
    expect(ids(changed.packages)).toEqual(["a-1.0", "b-2.0", "c-1.0"]);
    const fewer = await lockCondaSection({ channels: ["local"], dependencies: ["c"] }, { ...options, previous: first.packages });
    expect(ids(fewer.packages)).toEqual(["c-1.0"]);
  });

  it("locks what a build adds: python for python.version, python and pip for a pip part", async () => {
    const dir = await tempDir("envforge-chain-");
    await writeChannel(dir, [
      { name: "python", version: "3.11.9", subdir: "linux-64" },
      { name: "python", version: "3.12.4", subdir: "linux-64" },
      { name: "pip", version: "24.0", depends: ["python"] },
      { name: "a", version: "1.0" },
    ]);
    const lock = await lockCondaSection({ channels: ["local"], dependencies: ["a"] }, { platform: PLATFORM, channelUrls: { local: dir }, python: "3.11", pip: true });
    expect(ids(lock.packages)).toEqual(["a-1.0", "pip-24.0", "python-3.11.9"]);
  });

  it("gives the explicit list a build installs, with the build's URL for each channel name", async () => {
    const dir = await chain();
    const lock = await lockCondaSection({ channels: ["local"], dependencies: ["a"] }, { platform: PLATFORM, channelUrls: { local: dir } });
    const text = explicitFile(lock.packages, { local: dir });
    const base = pathToFileURL(dir).href;
    expect(text.split("\n")).toEqual([
      "# Written by envforge from the definition's lock: every conda package, installed as listed.",
      "@EXPLICIT",
      `${base}/noarch/${packageFile({ name: "a", version: "1.0" })}#sha256:${fileSha256(dir, "noarch", "a-1.0-0.tar.bz2")}`,
      `${base}/noarch/b-1.0-0.tar.bz2#sha256:${fileSha256(dir, "noarch", "b-1.0-0.tar.bz2")}`,
      `${base}/linux-64/c-1.0-0.tar.bz2#sha256:${fileSha256(dir, "linux-64", "c-1.0-0.tar.bz2")}`,
      "",
    ]);
    // Without a mapping, a name is conda's default alias; md5 when the lock has no sha256.
    const [a] = lock.packages;
    expect(explicitFile([{ ...a!, channel: "conda-forge", sha256: undefined }]).split("\n")[2]).toBe(`https://conda.anaconda.org/conda-forge/noarch/a-1.0-0.tar.bz2#${a!.md5}`);
  });

  it("reads the lock's platform spelling and refuses one it cannot map", async () => {
    expect(condaSubdirOf("linux-x86_64")).toBe("linux-64");
    expect(condaSubdirOf("linux-aarch64")).toBe("linux-aarch64");
    expect(condaSubdirOf("macos-arm64")).toBe("osx-arm64");
    expect(condaSubdirOf("macosx-11.0-arm64")).toBe("osx-arm64");
    expect(condaSubdirOf("windows-x86_64")).toBe("win-64");
    expect(condaSubdirOf("win-amd64")).toBe("win-64");
    expect(condaSubdirOf("osx-64")).toBe("osx-64");
    const e = (await rejection(lockCondaSection({ channels: ["x"], dependencies: ["a"] }, { platform: "plan9-mips" }))) as EnvforgeError;
    expect(e.code).toBe("E_INVALID_VALUE");
    expect(e.message).toContain("plan9-mips");
  });
});
