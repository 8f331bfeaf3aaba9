import { copyFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/engine.js";
import { runCli } from "../cli/support.js";

/** A registered definition keeps its lock with its version: register, hash NAME, save. */
const vector = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "hash", "lock-vector");

describe("a registered definition keeps its lock", () => {
  it("registers a locked foo.yaml, hashes the same by name, and saves env.yaml with env.lock", async () => {
    const dir = await tempDir("envforge-registry-lock-");
    const cacheDir = path.join(dir, "cache");
    const text = await readFile(path.join(vector, "env.yaml"), "utf8");
    await writeFile(path.join(dir, "foo.yaml"), `name: locked-demo\n${text}`);
    await copyFile(path.join(vector, "env.lock"), path.join(dir, "foo.lock"));
    const cli = (args: string[]) => runCli([...args, "--cache-dir", cacheDir], { cwd: dir });
    const fileHash = (await cli(["hash", "foo.yaml", "-q"])).stdout.trim();
    const registered = await cli(["register", "foo.yaml"]);
    expect(registered.code, registered.stderr).toBe(0);
    expect((await cli(["hash", "locked-demo", "-q"])).stdout.trim()).toBe(fileHash);
    const saved = await cli(["save", "locked-demo", "out"]);
    expect(saved.code, saved.stderr).toBe(0);
    expect(await readFile(path.join(dir, "out", "env.lock"), "utf8")).toBe(await readFile(path.join(vector, "env.lock"), "utf8"));
    expect((await cli(["hash", "out/env.yaml", "-q"])).stdout.trim()).toBe(fileHash);
    const exported = await cli(["lock", "locked-demo", "--export", "requirements"]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain("tinya==1.0.0");
  });
});
