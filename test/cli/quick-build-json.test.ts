import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/engine.js";
import { repoRoot } from "../support/paths.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";
import { runCli, runQuick, type CliRun } from "./support.js";

const probe = spawnSync("python3", ["-c", "import venv, ensurepip"], { encoding: "utf8" });
const reason = probe.status === 0 ? undefined : "python3 with the venv and ensurepip modules is not installed";
if (reason && inCI) throw new Error(`the quick-path --json tests need ${reason.replace(" is not installed", "")} in CI`);
warnSkip("quick-path --json builds", reason);

const BIN = path.join(repoRoot, "packages", "cli", "bin", "envforge.js");

/**
 * One cache and one venv for every definition here: `variables` and `name` are never hashed, so
 * each definition below (the same packages) is a hit of the venv `beforeAll` builds — its first
 * build through the full CLI records its source memo, then the quick path can answer it.
 */
let dir: string;
let cache: string;
let wheels: string;
const PACKAGES = "python:\n  pip:\n    - envforge-json==1.0.0\n    - envforge-json-extra\n"; // one unpinned: a parse warning to replay

beforeAll(async () => {
  if (reason) return;
  dir = await tempDir("envforge-quickjson-");
  cache = path.join(dir, "cache");
  wheels = path.join(dir, "wheels");
  await makeWheel(wheels, { name: "envforge-json", version: "1.0.0" });
  await makeWheel(wheels, { name: "envforge-json-extra", version: "2.0.0" });
  const base = definition("base", "");
  expect((await runCli(base)).code).toBe(0);
}, 180_000);

/** A definition file of its own (`head`: name, variables) with the shared packages, and its `build` argv. */
function definition(folder: string, head: string): string[] {
  mkdirSync(path.join(dir, folder), { recursive: true });
  const file = path.join(dir, folder, "env.yaml");
  writeFileSync(file, `${head}${PACKAGES}`);
  return ["build", file, "--cache-dir", cache, "--find-links", wheels, "--no-index"];
}

/** The source memo of the definition built by `build` (the only one in its cache folder for that file). */
function memoOf(build: string[]): string {
  const sources = path.join(cache, "v1", "sources");
  const memos = readdirSync(sources, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && path.basename(d.parentPath) !== "registered")
    .map((d) => path.join(d.parentPath, d.name))
    .filter((f) => (JSON.parse(readFileSync(f, "utf8")) as { file?: string }).file === build[1]);
  expect(memos).toHaveLength(1);
  return memos[0]!;
}

const TOTAL_MS = /"totalMs": [-0-9.e+]+/;

/** The --json result without its timing figure (checked to be the engine's shape: `{ totalMs }`). */
function untimedResult(stdout: string): Record<string, unknown> {
  const result = JSON.parse(stdout) as Record<string, unknown> & { timings?: Record<string, unknown> };
  expect(Object.keys(result.timings ?? {})).toEqual(["totalMs"]);
  expect(typeof result.timings?.totalMs).toBe("number");
  delete result.timings;
  return result;
}

/** Each JSON line of stderr with its times blanked (not removed: the text keeps the engine's key order). */
function untimedEvents(stderr: string): string[] {
  expect(stderr.endsWith("\n")).toBe(true);
  return stderr
    .slice(0, -1)
    .split("\n")
    .map((line) => {
      const event = JSON.parse(line) as Record<string, unknown>;
      expect(typeof event.time, line).toBe("number");
      event.time = "<time>";
      if ("durationMs" in event) {
        expect(typeof event.durationMs, line).toBe("number");
        event.durationMs = "<ms>";
      }
      return JSON.stringify(event);
    });
}

/** The same answer, timing figures apart: the result (deep-equal, then byte for byte) and the events. */
function expectSameAnswer(quick: CliRun | undefined, full: CliRun): Record<string, unknown> {
  expect(quick, "the quick path answered").toBeDefined();
  expect(quick!.code).toBe(0);
  expect(full.code).toBe(0);
  const result = untimedResult(full.stdout);
  expect(untimedResult(quick!.stdout)).toEqual(result);
  // Same keys in the same order, same layout and trailing newline.
  expect(quick!.stdout.replace(TOTAL_MS, "")).toBe(full.stdout.replace(TOTAL_MS, ""));
  expect(untimedEvents(quick!.stderr)).toEqual(untimedEvents(full.stderr));
  return result;
}

describe.skipIf(reason)(titleWithReason("envforge build --json: a cached build answered by the quick path, as the full CLI answers it", reason), () => {
  it("a definition with variables: the same result (variables included) and the same events as JSON lines, timings apart; the binary takes it", { timeout: 120_000 }, async () => {
    const build = definition("variables", "variables:\n  GREETING: hello world\n  COUNT: 3\n  ENABLED: true\n  EMPTY: ''\n");
    const json = [...build, "--json"];
    expect(await runQuick(json)).toBeUndefined(); // no memo of this file yet
    expect((await runCli(build)).code).toBe(0);

    const result = expectSameAnswer(await runQuick(json), await runCli(json, { env: { ENVFORGE_QUICK: "0" } }));
    expect(result).toMatchObject({ ok: true, cached: true, store: "local", target: "venv" });
    expect(result.variables).toEqual({ GREETING: "hello world", COUNT: "3", ENABLED: "true", EMPTY: "" });
    expect(Object.keys(result)).not.toContain("environment");
    expect(Object.keys(result)).not.toContain("drift");
    const full = await runCli(json);
    expect(full.stderr).toContain('"code":"W_UNPINNED"'); // the replayed parse warning, among the stage events

    // --json wins over -q and --progress, as in the full CLI.
    for (const extra of [["-q"], ["--progress", "plain"]]) {
      expectSameAnswer(await runQuick([...json, ...extra]), await runCli([...json, ...extra]));
    }

    // The real binary (the bundle): the same answer.
    const bin = spawnSync(process.execPath, [BIN, ...json], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expect(bin.status, bin.stderr).toBe(0);
    expectSameAnswer({ code: bin.status!, stdout: bin.stdout, stderr: bin.stderr }, await runCli(json));
  });

  it("a named definition: the registered version as `environment` (none with --no-register)", { timeout: 120_000 }, async () => {
    const build = definition("named", "name: quick-json-demo\nvariables:\n  MODE: named\n");
    const json = [...build, "--json"];
    expect((await runCli(build)).code).toBe(0);

    const result = expectSameAnswer(await runQuick(json), await runCli(json, { env: { ENVFORGE_QUICK: "0" } }));
    expect(result.environment).toEqual({ name: "quick-json-demo", version: "1" });
    expect(result.variables).toEqual({ MODE: "named" });

    const unregistered = expectSameAnswer(await runQuick([...json, "--no-register"]), await runCli([...json, "--no-register"]));
    expect(Object.keys(unregistered)).not.toContain("environment");
  });

  it("leaves to the full CLI what it cannot print exactly: a memo from before (an older version), one without the variables, --print-artifact-path with --json", { timeout: 120_000 }, async () => {
    const build = definition("fallback", "variables:\n  KEPT: 'yes'\n");
    const json = [...build, "--json"];
    expect((await runCli(build)).code).toBe(0);
    expect(await runQuick(json)).toBeDefined();

    // The full CLI refuses the pair: the quick path says nothing.
    expect(await runQuick([...json, "--print-artifact-path"])).toBeUndefined();
    expect((await runCli([...json, "--print-artifact-path"])).code).not.toBe(0);

    // A memo an older envforge wrote (version 3: no variables) is not read, for --json or the plain build…
    const memo = memoOf(build);
    const current = JSON.parse(readFileSync(memo, "utf8")) as Record<string, unknown>;
    expect(current.variables).toEqual({ KEPT: "yes" });
    const { variables: _variables, ...withoutVariables } = current;
    writeFileSync(memo, JSON.stringify({ ...withoutVariables, v: 3 }));
    expect(await runQuick(json)).toBeUndefined();
    expect(await runQuick(build)).toBeUndefined();
    // …and the full CLI's next build records this version's memo again.
    expect((await runCli(json)).code).toBe(0);
    expect(JSON.parse(readFileSync(memo, "utf8"))).toEqual(current);
    expectSameAnswer(await runQuick(json), await runCli(json));

    // A memo without the variables (what a secret among them leaves): the plain build is answered, --json is not.
    writeFileSync(memo, JSON.stringify(withoutVariables));
    expect(await runQuick(build)).toBeDefined();
    expect(await runQuick(json)).toBeUndefined();
  });

  describe("a variable holding a secret", () => {
    const saved = process.env.QUICK_JSON_TOKEN;
    afterAll(() => {
      if (saved === undefined) delete process.env.QUICK_JSON_TOKEN;
      else process.env.QUICK_JSON_TOKEN = saved;
    });

    it("is not recorded in the memo (the engine masks a --pass-env value): the plain build is answered, --json goes to the full CLI", { timeout: 120_000 }, async () => {
      const secret = "s3cr3t-quick-json-value";
      // The engine reads the values it masks from its own process's environment (toolEnvSecrets).
      process.env.QUICK_JSON_TOKEN = secret;
      const build = [...definition("secret", `variables:\n  TOKEN_COPY: ${secret}\n  OTHER: plain\n`), "--pass-env", "QUICK_JSON_TOKEN"];
      const json = [...build, "--json"];
      expect((await runCli(build)).code).toBe(0);

      const text = readFileSync(memoOf(build), "utf8");
      expect(text).not.toContain(secret);
      expect(JSON.parse(text)).not.toHaveProperty("variables");
      expect(await runQuick(build)).toEqual(await runCli(build));
      expect(await runQuick(json)).toBeUndefined();
      // What the full CLI prints for it is unchanged: the definition's own values.
      expect(untimedResult((await runCli(json)).stdout).variables).toEqual({ TOKEN_COPY: secret, OTHER: "plain" });
    });
  });
});
