import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cliHint } from "@envforge/cli";
import { expectExit, runCliProcess } from "../support/cli-process.js";
import { tempDir } from "../support/engine.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";
import { runCli } from "./support.js";

/**
 * What the CLI says: hints name its flags, never the engine options core names for embedders;
 * each warning is printed once per command.
 */
const ENGINE_WORDS = /allowFilesOutsideRoot|engine option|policy\.[a-zA-Z]|limits\.[a-zA-Z]|timeoutMs|lockStaleMs/;

describe("hints name the CLI's flags, not engine options", () => {
  let dir: string;
  const write = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  beforeAll(async () => {
    dir = await tempDir("envforge-hints-");
    writeFileSync(path.join(path.dirname(dir), `${path.basename(dir)}-outside.txt`), "tinya==1.0.0\n");
  });

  it.each([
    ["a referenced file outside the definition's folder", () => [write("outside.yaml", `python:\n  pipRequirements: ../${path.basename(dir)}-outside.txt\n`)], "E_FILE_OUTSIDE_ROOT", "--allow-outside-files"],
    ["a user-managed interpreter under --strict", () => [write("um.yaml", 'python:\n  version: "3.11"\n  userManaged: true\n  interpreterPath: /usr/bin/python3\n'), "--strict"], "E_POLICY", "--allow-user-managed"],
    ["a base image from a registry --strict does not allow", () => [write("reg.yaml", "docker:\n  baseImage: quay.io/foo/bar:1\n"), "--strict"], "E_POLICY", "`--allow-registry quay.io`"],
    ["docker steps under --strict", () => [write("steps.yaml", "docker:\n  baseImage: python:3.11\n  steps:\n    - RUN echo hi\n"), "--strict"], "E_POLICY", "`--allow-docker-steps`"],
    ["a denied variable under --strict", () => [write("var.yaml", "variables:\n  LD_PRELOAD: /x.so\n"), "--strict"], "E_POLICY", "`--allow-variable LD_PRELOAD`"],
    ["a file over the size limit (no flag raises it: the advice to raise an engine option is dropped)", () => [write("big.yaml", `# ${"x".repeat(9 * 1024 * 1024)}\n`)], "E_INPUT_TOO_LARGE", "must stay under the limit"],
  ])("%s", async (_what, args, code, flag) => {
    const run = await runCli(["hash", ...args()]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(code);
    expect(run.stderr).toContain(flag);
    expect(run.stderr).not.toMatch(ENGINE_WORDS);
  });

  it("--json carries the same CLI hint", async () => {
    const file = write("outside-json.yaml", `python:\n  pipRequirements: ../${path.basename(dir)}-outside.txt\n`);
    const run = await runCli(["hash", file, "--json"]);
    const error = (JSON.parse(run.stdout) as { error: { hint: string } }).error;
    expect(error.hint).toContain("--allow-outside-files");
    expect(error.hint).not.toMatch(ENGINE_WORDS);
  });

  it.each([
    ["definitions and the files they reference must stay under the limit (engine option `limits.maxFileLines`)", "definitions and the files they reference must stay under the limit"],
    ["split the definition, or raise the engine option `limits.maxDepth` if this is really intended", "split the definition"],
    ["engine option `limits.maxFileBytes` sets the bound", "keep it under the limit: the envforge CLI does not raise it"],
    ["leave timeoutMs out for no timeout; the longest is 2^31-1 ms (about 24.8 days)", "leave --timeout out for no timeout; the longest is 604800 (7 days)"],
    ["this process stalled longer than the engine option lockStaleMs; raise it on slow or overloaded machines", "this process stalled longer than the build lock's stale time; run fewer builds at once on a slow or overloaded machine"],
    ["a definition may only use variables the host names: pass it with --pass-env FOO (policy.passEnv)", "a definition may only use variables the host names: pass it with --pass-env FOO"],
    ["allowed hosts: a.example (policy.indexHosts)", "allowed hosts: a.example (--allow-index-host)"],
    ["give a mirror as a builder option (conda.channelsOverride)", "give a mirror as a builder option (-o conda.channelsOverride=...)"],
    ["let the host allow it (policy.allowUserManaged)", "let the host allow it (--allow-user-managed)"],
    ["or let the host allow it (--allow-outside-files; engine option allowFilesOutsideRoot, policy.allowOutsideFiles)", "or let the host allow it (--allow-outside-files)"],
  ])("cliHint(%j)", (core, cli) => {
    expect(cliHint(core)).toBe(cli);
  });
});

const python = spawnSync("python3", ["-c", "import venv, ensurepip"]).status === 0 ? undefined : "python3 with venv and ensurepip is not installed";
if (python && inCI) throw new Error("the warning-count tests need python3 with venv in CI");
warnSkip("warning-count tests", python);

describe.skipIf(python !== undefined)(titleWithReason("each warning is printed once per command (real processes, quick path included)", python), () => {
  let file: string;
  let cache: string;
  let wheels: string;
  const count = (stderr: string) => stderr.split("\n").filter((l) => l.includes("W_UNPINNED")).length;

  beforeAll(async () => {
    const dir = await tempDir("envforge-warn-once-");
    wheels = path.join(dir, "wheels");
    await makeWheel(wheels, { name: "envforge-greeting", version: "1.0" });
    file = path.join(dir, "env.yaml");
    // Named: a build also registers it, the path where a definition is read more than once.
    writeFileSync(file, "name: warns-once\npython:\n  pip:\n    - envforge-greeting\n");
    cache = path.join(dir, "cache");
  });

  it.each([
    ["hash", () => ["hash", file], {}],
    ["validate", () => ["validate", file], {}],
    ["build (a miss: it builds and registers)", () => ["build", file, "--no-index", "--find-links", wheels], {}],
    ["build (a hit answered by the quick path)", () => ["build", file], {}],
    ["build (a hit through the full CLI)", () => ["build", file], { ENVFORGE_QUICK: "0" }],
    ["build --json (events as JSON lines)", () => ["build", file, "--json"], {}],
    ["check", () => ["check", file], {}],
    ["explain of a file with itself (read twice)", () => ["explain", file, file], {}],
  ])("%s", { timeout: 120_000 }, async (_what, args, env) => {
    const run = await runCliProcess([...args(), "--cache-dir", cache], env, 110_000);
    expectExit(run, 0);
    expect(count(run.stderr), run.stderr).toBe(1);
  });
});
