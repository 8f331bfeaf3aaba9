import { cpSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/paths.js";
import { tempDir } from "../support/engine.js";
import { runCli } from "./support.js";

/** The workspace through the CLI: versions, labels, diff, build by name, check, pin, rebuild. */
describe("envforge workspace commands", () => {
  it("registers versions, labels, diffs, builds by name and label, checks, pins and rebuilds", async () => {
    const dir = await tempDir("envforge-ws-");
    cpSync(path.join(repoRoot, "examples", "hello"), dir, { recursive: true });
    const cache = ["--cache-dir", path.join(dir, "cache")];
    const cli = (...args: string[]) => runCli([...args, ...cache], { cwd: dir });
    const pipFlags = ["--find-links", "wheels", "--no-index"];

    expect((await cli("register", "env.yaml")).stdout).toContain("registered hello@1");
    writeFileSync(path.join(dir, "v2.yaml"), "name: hello\npython:\n  pip: [envforge-hello==1.0.0, envforge-greeting==1.2.0]\n");
    expect((await cli("register", "v2.yaml", "--label", "prod")).stdout).toContain("registered hello@2");
    const again = await cli("register", "v2.yaml");
    expect(again.stdout).toContain("already registered as hello@2");

    const list = await cli("env", "list");
    expect(list.stdout).toMatch(/hello\s+2\s+2 version\(s\)/);
    expect(list.stdout).toContain("prod=2");

    const diff = await cli("env", "diff", "hello@1", "hello@2");
    expect(diff.stdout).toContain("sections.pip");
    expect(diff.stdout).toContain("envforge-greeting==1.2");

    const check = await cli("check", "hello@1", "--min-score", "90");
    expect(check.code).toBe(4);
    expect(check.stdout).toContain("envforge-greeting");

    const byLabel = await cli("build", "hello:prod", "--target", "venv", ...pipFlags);
    expect(byLabel.code, byLabel.stderr).toBe(0);
    expect(byLabel.stdout).toContain("environment: hello@2");
    const byName = await cli("build", "hello@2", "--target", "venv", ...pipFlags);
    expect(byName.stdout).toContain("status: cache hit");

    const first = await cli("build", "env.yaml", ...pipFlags);
    expect(first.code, first.stderr).toBe(0);
    // A registered version is immutable: its pinned form becomes the name's next version.
    const pinnedByName = await cli("pin", "hello@1", "--label", "pinned", "--json");
    expect(pinnedByName.code, pinnedByName.stderr).toBe(0);
    const byNameResult = JSON.parse(pinnedByName.stdout) as { before: string; after: string; registered: string; written: string[] };
    expect(byNameResult.registered).toBe("hello@3");
    expect(byNameResult.after).not.toBe(byNameResult.before);
    expect(byNameResult.written).toEqual([]);
    const pinnedRecord = await cli("env", "get", "hello:pinned", "--json");
    expect(pinnedRecord.stdout).toMatch(/envforge-greeting==1\.2(\.0)?/);
    expect(JSON.parse(pinnedRecord.stdout)).toMatchObject({ hash: byNameResult.after });
    expect((await cli("env", "get", "hello@1", "--json")).stdout, "the old version is untouched").not.toMatch(/envforge-greeting==/);
    const pinned = await cli("pin", "env.yaml");
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(readFileSync(path.join(dir, "env.yaml"), "utf8")).toMatch(/envforge-greeting==1\.2(\.0)?\n/);
    const rebuilt = await cli("build", "v2.yaml", "--rebuild", ...pipFlags);
    expect(rebuilt.stdout).toContain("built (generation 2)");
    expect(rebuilt.stdout).toContain("drift: none");
    const generations = await cli("cache", "generations", "v2.yaml");
    expect(generations.stdout.trim().split("\n")).toHaveLength(3); // the header and two generations
  }, 300_000);
});
