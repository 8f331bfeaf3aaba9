import { execFile } from "node:child_process";
import { cpSync, existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/paths.js";
import { tempDir } from "../support/engine.js";
import { runCli } from "./support.js";

const run = promisify(execFile);
const example = path.join(repoRoot, "examples", "hello");

async function exampleCopy(): Promise<string> {
  const dir = await tempDir("envforge-example-");
  cpSync(example, dir, { recursive: true });
  return dir;
}

describe("envforge CLI", () => {
  it("hash prints the efh1 hash as its last line; --canonical shows what was hashed; --json is parseable", async () => {
    const dir = await exampleCopy();
    const plain = await runCli(["hash", "env.yaml"], { cwd: dir });
    expect(plain.code).toBe(0);
    const last = plain.stdout.trim().split("\n").pop();
    expect(last).toMatch(/^efh1:[0-9a-f]{64}$/);

    const canonical = await runCli(["hash", "env.yaml", "--canonical"], { cwd: dir });
    const [text, hash] = canonical.stdout.trim().split("\n");
    expect(hash).toBe(last);
    expect(JSON.parse(text!)).toMatchObject({ contract: "efh1", sections: { pip: expect.anything() } });
    expect(text).not.toContain("smallest useful"); // description is identity, not hashed
    expect(text).not.toContain('"name"');
    expect(text).not.toContain("GREETING_STYLE"); // variables are runtime, not hashed

    const json = JSON.parse((await runCli(["hash", "env.yaml", "--json"], { cwd: dir })).stdout) as { hash: string; canonicalText: string };
    expect(json.hash).toBe(last);
    expect(json.canonicalText).toBe(text);
  });

  it("explain names the canonical fields that differ", async () => {
    const dir = await exampleCopy();
    writeFileSync(path.join(dir, "b.yaml"), "name: other\npython:\n  pip: [envforge-hello==1.0.1, envforge-greeting]\n");
    const out = await runCli(["explain", "env.yaml", "b.yaml"], { cwd: dir });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("sections.pip");
    expect(out.stdout).toContain("envforge-hello==1.0.1");
    // PEP 440: ==1.0.0 and ==1 match the same versions, so the canonical form is the shorter one.
    expect(out.stdout).toContain('- "envforge-hello==1"');
    writeFileSync(path.join(dir, "c.yaml"), "name: renamed\npython:\n  pip: [envforge-greeting, envforge_hello == 1.0.0]\n");
    const same = await runCli(["explain", "env.yaml", "c.yaml"], { cwd: dir });
    expect(same.stdout).toContain("same hash");
  });

  it("schema prints a JSON Schema an editor can use", async () => {
    const out = await runCli(["schema"]);
    const schema = JSON.parse(out.stdout) as { $schema: string; properties: Record<string, { properties?: Record<string, unknown> }> };
    expect(schema.$schema).toContain("draft-07");
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["python", "docker", "spark", "variables"]));
    expect(Object.keys(schema.properties.python!.properties!)).toEqual(
      expect.arrayContaining(["pip", "pipRequirements", "conda", "condaFile", "version", "userManaged", "interpreterPath"]),
    );
  });

  it("builds the example into a venv, then hits the cache in a fraction of the time", async () => {
    const dir = await exampleCopy();
    const cacheDir = path.join(dir, "cache");
    const args = ["build", "env.yaml", "--target", "venv", "--cache-dir", cacheDir, "--find-links", "wheels", "--no-index"];
    const t0 = performance.now();
    const first = await runCli([...args, "--json"], { cwd: dir });
    const firstMs = performance.now() - t0;
    expect(first.code, first.stderr).toBe(0);
    const built = JSON.parse(first.stdout) as { cached: boolean; hash: string; entry: { artifact: { path: string }; lock: { packages: { name: string; version: string }[] } } };
    expect(built.cached).toBe(false);
    expect(existsSync(path.join(built.entry.artifact.path, "bin", "python"))).toBe(true);
    expect(built.entry.lock.packages).toEqual(expect.arrayContaining([expect.objectContaining({ name: "envforge-greeting", version: "1.2.0" })]));
    expect(first.stderr).toContain("W_UNPINNED");

    const t1 = performance.now();
    const second = await runCli(args, { cwd: dir });
    const secondMs = performance.now() - t1;
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("status: cache hit");
    expect(second.stdout).toContain(`hash: ${built.hash}`);
    expect(secondMs).toBeLessThan(firstMs / 5);

    const ls = await runCli(["cache", "ls", "--cache-dir", cacheDir], { cwd: dir });
    expect(ls.stdout).toContain(built.hash);
    expect(ls.stdout).toContain("hello");
  }, 180_000);

  it("the installed binary refuses bad input with exit 1 and no stack trace", async () => {
    const bin = path.join(repoRoot, "packages", "cli", "bin", "envforge.js");
    const dir = await tempDir();
    writeFileSync(path.join(dir, "env.yaml"), "python:\n  pip: [numpy==1.26.4]\n  pipp: []\n");
    const error = await run(process.execPath, [bin, "validate", path.join(dir, "env.yaml")]).catch((e: { code: number; stderr: string }) => e);
    expect(error).toMatchObject({ code: 1 });
    const stderr = (error as { stderr: string }).stderr;
    expect(stderr).toContain("env.yaml:3:3");
    expect(stderr).toContain('did you mean "pip"');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it("an unknown build target exits 1 and lists the valid ones", async () => {
    const dir = await exampleCopy();
    const out = await runCli(["build", "env.yaml", "--target", "nope", "--cache-dir", path.join(dir, "c")], { cwd: dir });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("E_NO_BUILDER");
    expect(out.stderr).toContain("venv");
  });
});
