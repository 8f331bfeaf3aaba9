import { spawnSync } from "node:child_process";
import { appendFile, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseLockText } from "@envforge/core/plugin-kit";
import { tempDir } from "../support/engine.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";
import { runCli } from "../cli/support.js";

/**
 * `envforge lock` and builds from the lock with real pip (>= 22.2 for `--report`) against a
 * find-links folder of wheels this test makes: tinyb 2.0.0 needs tinya>=1.0.
 */
const probe = spawnSync("python3", ["-c", "import venv, ensurepip, pip; print('%d.%d' % __import__('sys').version_info[:2])"], { encoding: "utf8" });
const reason = probe.status === 0 ? undefined : "python3 with venv, ensurepip and pip is not installed";
if (reason && inCI) throw new Error("lock tests need python3 with pip in CI");
warnSkip("pip lock tests", reason);
const python = probe.stdout.trim();

let dir: string;
let wheels: string;
let cacheDir: string;

beforeAll(async () => {
  dir = await tempDir("envforge-pip-lock-");
  wheels = path.join(dir, "wheels");
  cacheDir = path.join(dir, "cache");
  await makeWheel(wheels, { name: "tinya", version: "1.0.0" });
  await makeWheel(wheels, { name: "tinyb", version: "2.0.0", requires: ["tinya>=1.0"] });
  await writeFile(path.join(dir, "env.yaml"), `python:\n  version: "${python}"\n  pip:\n    - tinyb==2.0.0\n`);
});

const cli = (args: string[]) => runCli([...args, "--cache-dir", cacheDir], { cwd: dir });
const index = ["--find-links", "wheels", "--no-index"];
const installed = async (file = "env.yaml") => {
  const out = await cli(["build", file, ...index, "--print-artifact-path"]);
  expect(out.code, out.stderr).toBe(0);
  const venvPython = path.join(out.stdout.trim(), "bin", "python");
  return spawnSync(venvPython, ["-c", "import tinya; print(tinya.__version__)"], { encoding: "utf8" }).stdout.trim();
};
const hashOf = async () => (await cli(["hash", "env.yaml", "-q"])).stdout.trim();

describe.skipIf(reason)(titleWithReason("envforge lock with real pip", reason), () => {
  it("locks the whole closure, and the nested pin survives a newer nested release", async () => {
    const before = await hashOf();
    const locked = await cli(["lock", "env.yaml", ...index]);
    expect(locked.code, locked.stderr).toBe(0);
    const lock = parseLockText(await readFile(path.join(dir, "env.lock"), "utf8"), "env.lock");
    expect(lock).toMatchObject({ version: 1, python, platform: expect.stringMatching(/-/) });
    expect(lock.pip?.map((d) => [d.name, d.version, d.file])).toEqual([
      ["tinya", "1.0.0", "tinya-1.0.0-py3-none-any.whl"],
      ["tinyb", "2.0.0", "tinyb-2.0.0-py3-none-any.whl"],
    ]);
    expect(lock.pip?.every((d) => /^[0-9a-f]{64}$/.test(d.sha256))).toBe(true);
    const withLock = await hashOf();
    expect(withLock).not.toBe(before);
    expect(await readFile(path.join(dir, "env.lock"), "utf8")).not.toContain(wheels); // never where it came from

    await makeWheel(wheels, { name: "tinya", version: "1.1.0" });
    expect(await installed()).toBe("1.0.0");
    const rebuilt = await cli(["build", "env.yaml", ...index, "--rebuild", "-q"]);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(await installed()).toBe("1.0.0");
    // Locking again keeps what still satisfies the definition.
    const again = await cli(["lock", "env.yaml", ...index, "--check"]);
    expect(again.code, again.stderr).toBe(0);
    expect(await hashOf()).toBe(withLock);
  });

  it("--dry-run previews the drift and writes nothing; --upgrade moves it and changes the hash", async () => {
    const text = await readFile(path.join(dir, "env.lock"), "utf8");
    const hash = await hashOf();
    const preview = await cli(["lock", "env.yaml", ...index, "--upgrade", "--dry-run"]);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stderr).toMatch(/pip tinya: 1\.0\.0 .*→ 1\.1\.0/);
    expect(await readFile(path.join(dir, "env.lock"), "utf8")).toBe(text);
    const upgraded = await cli(["lock", "env.yaml", ...index, "--upgrade-package", "tinya"]);
    expect(upgraded.code, upgraded.stderr).toBe(0);
    expect(await hashOf()).not.toBe(hash);
    expect(await installed()).toBe("1.1.0");
    const exported = await cli(["lock", "env.yaml", "--export", "requirements"]);
    expect(exported.stdout).toMatch(/tinya==1\.1\.0 \\\n {4}--hash=sha256:[0-9a-f]{64}/);
  });

  it("--check and build --locked fail on a stale lock, naming the requirement", async () => {
    await writeFile(path.join(dir, "stale.yaml"), `python:\n  version: "${python}"\n  pip:\n    - tinyb==2.0.0\n    - tinya<1.1\n`);
    await writeFile(path.join(dir, "stale.lock"), await readFile(path.join(dir, "env.lock"), "utf8")); // has tinya 1.1.0
    const check = await cli(["lock", "stale.yaml", ...index, "--check"]);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain("E_LOCK_MISMATCH");
    expect(check.stderr).toMatch(/pip tinya: 1\.1\.0 .*→ 1\.0\.0/);
    const build = await cli(["build", "stale.yaml", ...index, "--locked"]);
    expect(build.code).toBe(1);
    expect(build.stderr).toContain("E_LOCK_MISMATCH");
    expect(build.stderr).toContain("tinya<1.1 (locked: 1.1.0)");
    await writeFile(path.join(dir, "bare.yaml"), `python:\n  pip: [tinyb==2.0.0]\n`);
    const bare = await cli(["build", "bare.yaml", ...index, "--locked"]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain("has no lock");
  });

  it("a lock for another Python is refused naming both", async () => {
    const other = python === "3.10" ? "3.9" : "3.10";
    await writeFile(path.join(dir, "other.yaml"), "python:\n  pip: [tinyb==2.0.0]\n");
    const locked = await cli(["lock", "other.yaml", ...index, "--python-version", other]);
    expect(locked.code, locked.stderr).toBe(0);
    const build = await cli(["build", "other.yaml", ...index]);
    expect(build.code).toBe(1);
    expect(build.stderr).toContain(`the lock was made for Python ${other}`);
    expect(build.stderr).toMatch(/is Python \d+\.\d+/);
  });

  it("a tampered or missing wheel fails the build with the package's name", async () => {
    const wheel = path.join(wheels, "tinya-1.1.0-py3-none-any.whl");
    await appendFile(wheel, "tampered");
    const tampered = await cli(["build", "env.yaml", ...index, "--rebuild"]);
    expect(tampered.code).toBe(2);
    expect(tampered.stderr).toContain("E_BUILD_FAILED");
    expect(tampered.stderr).toContain("tinya 1.1.0 (tinya-1.1.0-py3-none-any.whl)");
    expect(tampered.stderr).toContain("does not match the lock's sha256");
    await rm(wheel);
    const missing = await cli(["build", "env.yaml", ...index, "--rebuild"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("tinya 1.1.0");
  });
});
