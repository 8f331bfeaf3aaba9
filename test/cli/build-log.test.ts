/**
 * The log, always at hand: a failed venv build (a requirement no find-links folder holds, pip
 * with --no-index) exits 2 naming its log on stderr, `--json` carries `logPath` in the error, and
 * `envforge log REF` prints that log — found through the same reference resolution as build.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/engine.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { runCli } from "./support.js";

const probe = spawnSync("python3", ["-c", "import venv, ensurepip"], { encoding: "utf8" });
const reason = probe.status === 0 ? undefined : "python3 with the venv and ensurepip modules is not installed";
if (reason && inCI) throw new Error(`venv tests need ${reason.replace(" is not installed", "")} in CI`);
warnSkip("failed build logs", reason);

let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await tempDir("envforge-build-log-");
  env = { ENVFORGE_CACHE_DIR: path.join(dir, "cache"), ENVFORGE_CONFIG: "0" };
  await mkdir(path.join(dir, "wheels"));
  await writeFile(path.join(dir, "env.yaml"), "name: nowhere\npython:\n  pip: [envforge-does-not-exist==1.0]\n");
});

describe.skipIf(reason !== undefined)(titleWithReason("a failed build names its log; envforge log prints it", reason), () => {
  it("exit 2, the log path on stderr and in --json, and envforge log prints it", async () => {
    const failed = await runCli(["build", "env.yaml", "--no-index", "--find-links", "wheels"], { cwd: dir, env });
    expect(failed.code).toBe(2);
    const logPath = /(\/\S+\.log)\b/.exec(failed.stderr)?.[1];
    expect(logPath, failed.stderr).toBeDefined();
    expect(readFileSync(logPath!, "utf8")).toContain("envforge-does-not-exist");

    const json = await runCli(["build", "env.yaml", "--no-index", "--find-links", "wheels", "--json"], { cwd: dir, env });
    expect(json.code).toBe(2);
    const error = (JSON.parse(json.stdout.trim().split("\n").pop()!) as { error: { code: string; logPath?: string } }).error;
    expect(error.logPath).toMatch(/\.log$/);
    expect(readFileSync(error.logPath!, "utf8")).toContain("envforge-does-not-exist");

    // The newest generation's log by default; the first attempt's with --generation.
    const log = await runCli(["log", "env.yaml"], { cwd: dir, env });
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toBe(readFileSync(error.logPath!, "utf8"));
    const first = await runCli(["log", "env.yaml", "--generation", "1", "--target", "venv"], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("envforge-does-not-exist");
  });

  it("a builder that failed before it logged anything names no log that is not there", async () => {
    await writeFile(path.join(dir, "early.yaml"), "name: early\npython:\n  pip: [envforge-early==1.0]\n");
    const out = await runCli(["build", "early.yaml", "-o", "pip.python=./no/such/python3", "--no-register"], { cwd: dir, env });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("E_TOOL_NOT_FOUND");
    // The relative interpreter is the user's, read against the working folder.
    expect(out.stderr).toContain(path.join(dir, "no/such/python3"));
    expect(out.stderr).not.toMatch(/\.log\b/);
  });

  it("no log there is E_NOT_FOUND (exit 1) with a hint", async () => {
    const missing = await runCli(["log", "env.yaml", "--target", "conda"], { cwd: dir, env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("E_NOT_FOUND");
    expect(missing.stderr).toContain("hint:");
    const generation = await runCli(["log", "env.yaml", "--generation", "99"], { cwd: dir, env });
    expect(generation.code).toBe(1);
    expect(generation.stderr).toContain("generation 99");
  });
});
