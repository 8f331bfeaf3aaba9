import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, realpathSync } from "node:fs";
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createEngine, EnvforgeError, type EngineEvent, type HostPolicy, type SpecSource } from "@envforge/core/plugin-kit";
import { pipPlugin } from "@envforge/plugin-pip";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLoggingIndex, type LoggingIndex } from "../support/logging-index.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";

/**
 * Definitions from strangers against real pip and a real HTTP server on loopback that records
 * every request: a `${VAR}` the host did not pass never expands (and never reaches the server),
 * a find-links folder outside the definition is refused, a package source on a host the policy
 * does not allow is refused, and a user-managed interpreter that is not Python is never run.
 */
const probe = spawnSync("python3", ["-c", "import venv, ensurepip, sys, os; print(os.path.realpath(sys.executable))"], { encoding: "utf8" });
const reason = probe.status === 0 ? undefined : "python3 with the venv and ensurepip modules is not installed";
if (reason && inCI) throw new Error("the strangers tests need python3 with venv and ensurepip in CI");
warnSkip("definitions from strangers", reason);
const realPython = probe.stdout.trim();

const VAR = "ENVFORGE_STRANGER_SECRET";
const SECRET = `efstranger-${randomUUID()}`;
const PROJECT = "envforge-stranger";

let root: string;
let outside: string;
let server: LoggingIndex;

beforeAll(async () => {
  root = realpathSync(await mkdtemp(path.join(os.tmpdir(), "envforge-strangers-")));
  outside = path.join(root, "elsewhere");
  const wheel = await makeWheel(outside, { name: PROJECT, version: "1.0.0" });
  server = await startLoggingIndex([wheel]);
  process.env[VAR] = SECRET;
});

afterAll(async () => {
  delete process.env[VAR];
  await server?.close();
});

function setup(policy: Partial<HostPolicy> = {}) {
  const cacheDir = path.join(root, `cache-${randomUUID().slice(0, 8)}`);
  const engine = createEngine({ plugins: [pipPlugin()], cacheDir, policy });
  const events: EngineEvent[] = [];
  engine.hooks.event.tap("test", (e) => events.push(e));
  return { engine, events, cacheDir };
}

/** A definition folder with env.yaml and the given files; returns the env.yaml path. */
async function definition(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(root, "def-"));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return path.join(dir, "env.yaml");
}

const withRequirements = (lines: string) => definition({ "env.yaml": "python:\n  pipRequirements: requirements.txt\n", "requirements.txt": lines });

async function refusal(p: Promise<unknown>): Promise<EnvforgeError> {
  const outcome = await p.then(
    () => new Error("expected a refusal, the build succeeded"),
    (e: unknown) => e,
  );
  if (!(outcome instanceof EnvforgeError)) throw outcome;
  return outcome;
}

/** Every file under `dir` holding the secret. */
async function filesHolding(dir: string, secret: string): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if ((await readFile(file)).includes(secret)) hits.push(file);
  }
  return hits;
}

describe.skipIf(reason)(titleWithReason("definitions from strangers (real pip, a loopback server that logs requests)", reason), () => {
  it("a ${VAR} the host does not pass is refused where it was written, before pip runs, and never reaches the server", async () => {
    const cases: Array<[string, string, number]> = [
      ["find-links in a requirements file", `--no-index\n--find-links ${server.origin}/fl/\${${VAR}}/\n${PROJECT}==1.0.0\n`, 2],
      ["extra-index-url in a requirements file", `${PROJECT}==1.0.0\n--extra-index-url ${server.origin}/\${${VAR}}/simple\n`, 2],
      ["index-url in a requirements file", `--index-url ${server.origin}/t/\${${VAR}}/simple\n${PROJECT}==1.0.0\n`, 1],
    ];
    for (const [what, lines, line] of cases) {
      const file = await withRequirements(lines);
      const { engine, events } = setup();
      // validate/hash report it already: a warning naming the variable and the flag to pass it.
      await engine.hash(file);
      const warning = events.find((e) => e.type === "warning" && e.code === "W_ENV_NOT_PASSED") as Extract<EngineEvent, { type: "warning" }> | undefined;
      expect(warning?.message, what).toContain(VAR);
      expect(warning?.location).toMatchObject({ file: path.join(path.dirname(file), "requirements.txt"), line });
      const e = await refusal(engine.build(file, { target: "venv" }));
      expect(e.code, what).toBe("E_ENV_NOT_ALLOWED");
      expect(e.location, what).toMatchObject({ file: path.join(path.dirname(file), "requirements.txt"), line });
      expect(e.message).toContain(VAR);
      expect(e.hint).toContain(`--pass-env ${VAR}`);
      expect(JSON.stringify(e.toJSON())).not.toContain(SECRET);
      expect(events.some((ev) => ev.type === "log" && /\bpip\S* install\b/.test(ev.line))).toBe(false);
    }
    // Inline in python.pip: located at the item.
    const inline: SpecSource = {
      object: { python: { pip: [`--find-links ${server.origin}/fl/\${${VAR}}/`, `${PROJECT}==1.0.0`] } },
      file: path.join(root, "inline.yaml"),
      dir: root,
    };
    const e = await refusal(setup().engine.build(inline, { target: "venv" }));
    expect(e).toMatchObject({ code: "E_ENV_NOT_ALLOWED", field: "python.pip[0]" });
    expect(e.location).toBeDefined();
    expect(server.requests.filter((r) => r.includes(SECRET))).toEqual([]);
  });

  it("a requirement, a constraint or an install option naming a variable is refused even when the host passes it", async () => {
    const { engine } = setup({ passEnv: [VAR] });
    for (const lines of [
      `${PROJECT} @ ${server.origin}/files/\${${VAR}}/${PROJECT.replace("-", "_")}-1.0.0-py3-none-any.whl\n`,
      `--no-binary \${${VAR}}\n${PROJECT}==1.0.0\n`,
      `${PROJECT}==1.0.0 --config-settings key=\${${VAR}}\n`,
    ]) {
      const e = await refusal(engine.build(await withRequirements(lines), { target: "venv" }));
      expect(e.code, lines).toBe("E_INVALID_REQUIREMENT");
      expect(e.location?.line).toBe(1);
    }
    expect(server.requests.filter((r) => r.includes(SECRET))).toEqual([]);
  });

  it("a variable the host passes reaches pip and the server, and is masked in the log file, events, entry and every cache file", async () => {
    const file = await withRequirements(`--no-index\n--find-links ${server.origin}/fl/\${${VAR}}/\n${PROJECT}==1.0.0\n`);
    const { engine, events, cacheDir } = setup({ passEnv: [VAR] });
    const before = server.requests.length;
    const result = await engine.build(file, { target: "venv" });
    // The variable was expanded for pip: the server saw it (the host chose to send it there).
    expect(server.requests.slice(before).some((r) => r.includes(`/fl/${SECRET}/`))).toBe(true);
    expect(result.entry.lock?.packages.find((p) => p.name === PROJECT)?.version).toBe("1.0.0");
    expect(events.filter((e) => e.type === "log").length).toBeGreaterThan(3);
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect(JSON.stringify(result.entry)).not.toContain(SECRET);
    expect(await readFile(result.entry.logPath!, "utf8")).not.toContain(SECRET);
    expect(await readFile(result.entry.logPath!, "utf8")).toContain("/fl/***/");
    expect(await filesHolding(cacheDir, SECRET)).toEqual([]);
  });

  it("a find-links folder outside the definition's folder is E_FILE_OUTSIDE_ROOT, located; the host may allow it", async () => {
    const relative = await withRequirements(`--no-index\n--find-links ../elsewhere\n${PROJECT}==1.0.0\n`);
    const absolute = await withRequirements(`--no-index\n-f ${outside}\n${PROJECT}==1.0.0\n`);
    const fileUrl = await withRequirements(`--no-index\n--find-links=file://${outside}\n${PROJECT}==1.0.0\n`);
    const linked = await withRequirements(`--no-index\n--find-links wheels\n${PROJECT}==1.0.0\n`);
    await symlink(outside, path.join(path.dirname(linked), "wheels"));
    const { engine } = setup();
    for (const file of [relative, absolute, fileUrl, linked]) {
      const e = await refusal(engine.hash(file));
      expect(e.code, file).toBe("E_FILE_OUTSIDE_ROOT");
      expect(e.location).toMatchObject({ file: path.join(path.dirname(file), "requirements.txt"), line: 2 });
    }
    const inline = await refusal(engine.hash({ object: { python: { pip: [`--find-links ${outside}`, `${PROJECT}==1.0.0`] } }, file: path.join(root, "x", "env.yaml"), dir: path.join(root, "x") }));
    expect(inline).toMatchObject({ code: "E_FILE_OUTSIDE_ROOT", field: "python.pip[0]" });

    // A folder inside whose wheel is a link to one outside: pip would read it; the build refuses.
    const entryLink = await withRequirements(`--no-index\n--find-links wheels\n${PROJECT}==1.0.0\n`);
    await mkdir(path.join(path.dirname(entryLink), "wheels"));
    const wheelName = `${PROJECT.replace("-", "_")}-1.0.0-py3-none-any.whl`;
    await symlink(path.join(outside, wheelName), path.join(path.dirname(entryLink), "wheels", wheelName));
    const e = await refusal(engine.build(entryLink, { target: "venv" }));
    expect(e).toMatchObject({ code: "E_FILE_OUTSIDE_ROOT", location: { line: 2 } });

    // The host allows outside files: it builds from there.
    const allowed = setup({ allowOutsideFiles: true });
    const result = await allowed.engine.build(relative, { target: "venv" });
    expect(result.entry.lock?.packages.find((p) => p.name === PROJECT)?.version).toBe("1.0.0");
  });

  it("a package source on a host the policy does not allow is E_POLICY, located; an allowed one passes", async () => {
    const strict = setup({ indexHosts: ["pypi.org", "files.pythonhosted.org"] });
    const cases: Array<[string, number]> = [
      [`--index-url ${server.origin}/simple\n${PROJECT}==1.0.0\n`, 1],
      [`${PROJECT}==1.0.0\n--extra-index-url http://evil.example/simple\n`, 2],
      [`${PROJECT}==1.0.0\n-f https://evil.example/wheels/\n`, 2],
      [`--trusted-host evil.example\n${PROJECT}==1.0.0\n`, 1],
      [`${PROJECT}==1.0.0\n${PROJECT.replace("-", "_")} @ https://evil.example/x-1.0-py3-none-any.whl#sha256=${"0".repeat(64)}\n`, 2],
      [`--index-url https://\${${VAR}}/simple\n${PROJECT}==1.0.0\n`, 1],
    ];
    for (const [lines, line] of cases) {
      const file = await withRequirements(lines);
      const e = await refusal(strict.engine.hash(file));
      expect(e.code, lines).toBe("E_POLICY");
      expect(e.location, lines).toMatchObject({ file: path.join(path.dirname(file), "requirements.txt"), line });
    }
    const local = setup({ indexHosts: ["127.0.0.1"] });
    await local.engine.hash(await withRequirements(`--index-url ${server.origin}/simple\n${PROJECT}==1.0.0\n`));
  });

  it("a user-managed interpreter that is not Python is refused and never run; a real one is accepted", async () => {
    const dir = await mkdtemp(path.join(root, "um-"));
    const marker = path.join(dir, "ran");
    const evil = path.join(dir, "evil.sh");
    await writeFile(evil, `#!/bin/sh\ntouch ${marker}\necho '{"version": "3.11.0", "executable": "/x"}'\n`);
    await chmod(evil, 0o755);
    const sh = path.join(dir, "python3");
    await copyFile(realpathSync("/bin/sh"), sh);
    await chmod(sh, 0o755);
    const text = path.join(dir, "python-text");
    await writeFile(text, "print('hi')\n");
    await chmod(text, 0o755);
    const fifo = path.join(dir, "python-fifo");
    spawnSync("mkfifo", [fifo]);
    const linkToEvil = path.join(dir, "python3.11");
    await symlink(evil, linkToEvil);
    const um = (interpreterPath: string): SpecSource => ({ object: { python: { userManaged: true, interpreterPath } }, file: path.join(dir, "env.yaml"), dir });

    const { engine } = setup();
    for (const candidate of [evil, sh, text, fifo, linkToEvil]) {
      const started = Date.now();
      const e = await refusal(engine.build(um(candidate), { target: "venv" }));
      expect(e.code, candidate).toBe("E_INVALID_VALUE");
      expect(e.field).toBe("python.interpreterPath");
      expect(e.location).toBeDefined();
      expect(Date.now() - started).toBeLessThan(10_000);
    }
    expect(existsSync(marker)).toBe(false);

    // The policy refuses user-managed definitions outright: nothing is even looked at.
    const refusedByPolicy = await refusal(setup({ allowUserManaged: false }).engine.build(um(realPython), { target: "venv" }));
    expect(refusedByPolicy).toMatchObject({ code: "E_POLICY", field: "python.userManaged" });
    expect(refusedByPolicy.location).toBeDefined();

    const accepted = await engine.build(um(realPython), { target: "venv" });
    expect(accepted.entry.artifact).toMatchObject({ kind: "venv", path: realPython, details: { userManaged: true } });
    expect(existsSync(marker)).toBe(false);
  });
});
