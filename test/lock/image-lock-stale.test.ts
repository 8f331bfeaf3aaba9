import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatLock, hostLockPlatform, type EnvLock } from "@envforge/core/plugin-kit";
import { tempDir } from "../support/engine.js";
import { runCli } from "../cli/support.js";

/** An image's pip layer never installs a stale lock: `envforge dockerfile` shows where it is refused. */
const SHA = "cd".repeat(32);

async function definition(requirement: string): Promise<string> {
  const dir = await tempDir("envforge-image-lock-stale-");
  await writeFile(path.join(dir, "env.yaml"), `docker:\n  baseImage: python:3.11-slim\npython:\n  pip: [${JSON.stringify(requirement)}]\n`);
  const lock: EnvLock = { version: 1, python: "3.11", platform: hostLockPlatform(), pip: [{ name: "tinyb", version: "2.0.0", file: "tinyb-2.0.0-py3-none-any.whl", sha256: SHA }] };
  await writeFile(path.join(dir, "env.lock"), formatLock(lock));
  return dir;
}

describe("an image built from a stale lock", () => {
  it("is refused before the Dockerfile is written, naming the requirement", async () => {
    const out = await runCli(["dockerfile", "env.yaml"], { cwd: await definition("tinyb>=2.1") });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("E_LOCK_MISMATCH");
    expect(out.stderr).toContain("tinyb>=2.1 (locked: 2.0.0)");
  });

  it("checks a requirement with a marker in the image, before the locked install", async () => {
    const out = await runCli(["dockerfile", "env.yaml"], { cwd: await definition('tinyb>=2.1; python_version >= "3"') });
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stdout.split("\n");
    const check = lines.findIndex((l) => l.includes('"/envforge/pip/check-lock.py","@/envforge/pip/lock-check.json"'));
    const install = lines.findIndex((l) => l.includes('"--no-deps","--require-hashes"'));
    expect(check).toBeGreaterThan(0);
    expect(install).toBeGreaterThan(check);
  });
});
