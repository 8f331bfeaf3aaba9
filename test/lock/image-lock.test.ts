import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatLock, hostLockPlatform, type EnvLock } from "@envforge/core/plugin-kit";
import { tempDir } from "../support/engine.js";
import { runCli } from "../cli/support.js";

/** An image's layers under a lock, as `envforge dockerfile` prints them (no engine needed). */
const DIGEST = `sha256:${"ab".repeat(32)}`;
const SHA = "cd".repeat(32);

async function definition(lock: Partial<EnvLock>, docker = "docker:\n  baseImage: python:3.11-slim\n"): Promise<string> {
  const dir = await tempDir("envforge-image-lock-");
  await writeFile(path.join(dir, "env.yaml"), `${docker}python:\n  pip: [tinyb==2.0.0]\n`);
  const full: EnvLock = { version: 1, python: "3.11", platform: hostLockPlatform(), ...lock };
  await writeFile(path.join(dir, "env.lock"), formatLock(full));
  return dir;
}

describe("an image built from a lock", () => {
  it("pins FROM to the locked digest and installs exactly the locked files by hash", async () => {
    const dir = await definition({
      image: { base: "docker.io/library/python:3.11-slim", digest: DIGEST },
      pip: [
        { name: "tinya", version: "1.0.0", file: "tinya-1.0.0-py3-none-any.whl", sha256: SHA },
        { name: "tinyb", version: "2.0.0", file: "tinyb-2.0.0-py3-none-any.whl", sha256: SHA },
      ],
    });
    const out = await runCli(["dockerfile", "env.yaml"], { cwd: dir });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(new RegExp(`^FROM docker\\.io/library/python:3\\.11-slim@${DIGEST}$`, "m"));
    expect(out.stdout).toContain('"--no-deps","--require-hashes"');
    expect(out.stdout).toContain("import sys"); // the lock's Python is checked where the venv is made
  });

  it("without a lock nothing changes", async () => {
    const dir = await tempDir("envforge-image-lock-");
    await writeFile(path.join(dir, "env.yaml"), "docker:\n  baseImage: python:3.11-slim\npython:\n  pip: [tinyb==2.0.0]\n");
    const out = await runCli(["dockerfile", "env.yaml"], { cwd: dir });
    expect(out.stdout).toMatch(/^FROM docker\.io\/library\/python:3\.11-slim$/m);
    expect(out.stdout).not.toContain("--require-hashes");
  });

  it("a lock for another platform is refused naming both", async () => {
    const other = hostLockPlatform() === "linux-aarch64" ? "linux-x86_64" : "linux-aarch64";
    const dir = await definition({ platform: other, pip: [{ name: "tinyb", version: "2.0.0", file: "tinyb-2.0.0-py3-none-any.whl", sha256: SHA }] });
    const out = await runCli(["dockerfile", "env.yaml"], { cwd: dir });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("E_LOCK_MISMATCH");
    expect(out.stderr).toContain(`made for platform ${other}, but the image is built for ${hostLockPlatform()}`);
  });
});
