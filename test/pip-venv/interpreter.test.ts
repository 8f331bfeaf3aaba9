import { spawnSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createEngine, EnvforgeError, type EngineEvent } from "@envforge/core/plugin-kit";
import { pipPlugin } from "@envforge/plugin-pip";
import { beforeAll, describe, expect, it } from "vitest";
import { interpreterFiles } from "../../plugins/pip/src/interpreter-discovery.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";

/**
 * The interpreter a venv is made from: `python.version` picks an installed one (PATH, then
 * pyenv's and uv's installs), a system-managed `interpreterPath` is the base interpreter, and
 * neither is ever ignored silently. Real interpreters of this machine, real venvs.
 */
const versionOf = (file: string) => spawnSync(file, ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], { encoding: "utf8" }).stdout.trim();
const installed = interpreterFiles().map((f) => ({ ...f, version: versionOf(f.file) }));
const first = (minor: string) => installed.find((i) => i.version.startsWith(`${minor}.`));
// Two minor versions besides the host's python3: this machine has pyenv's 3.10 and 3.12.
const hostMinor = versionOf("python3").split(".").slice(0, 2).join(".");
const others = [...new Set(installed.map((i) => i.version.split(".").slice(0, 2).join(".")))].filter((v) => v !== hostMinor && Number(v.split(".")[0]) === 3 && Number(v.split(".")[1]) >= 8);
const minorOf = (v: string) => Number(v.split(".")[1]);
// pyenv's 3.12 and 3.10 where they exist (this machine), else the two newest others.
const [second, third] = ["3.12", "3.10"].every((v) => others.includes(v)) ? ["3.12", "3.10"] : others.sort((a, b) => minorOf(b) - minorOf(a));
const reason = second === undefined || third === undefined ? "fewer than two Python 3 interpreters besides python3 are installed (PATH, pyenv, uv)" : undefined;
if (reason && inCI) throw new Error(`interpreter tests: ${reason}`);
warnSkip("interpreter selection", reason);

let root: string;
let wheels: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "envforge-interpreter-"));
  wheels = path.join(root, "wheels");
  await makeWheel(wheels, { name: "envforge-greeting", version: "1.2.0" });
});

function setup(policy?: { allowUserManaged: boolean }) {
  const engine = createEngine({ plugins: [pipPlugin()], cacheDir: path.join(root, `cache-${Math.random().toString(36).slice(2)}`), policy });
  const events: EngineEvent[] = [];
  engine.hooks.event.tap("test", (e) => events.push(e));
  return { engine, events };
}

const offline = () => ({ pip: { findLinks: [wheels], noIndex: true } });

async function definition(python: string): Promise<string> {
  const dir = await mkdtemp(path.join(root, "def-"));
  const file = path.join(dir, "env.yaml");
  await writeFile(file, `name: interp\npython:\n${python}  pip:\n    - envforge-greeting==1.2.0\n`);
  return file;
}

describe.skipIf(reason)(titleWithReason("the interpreter asked for (python.version, interpreterPath)", reason), () => {
  it(`python.version "${second}" builds the venv with an installed ${second} (not the host's python3 ${hostMinor})`, async () => {
    const { engine, events } = setup();
    const result = await engine.build(await definition(`  version: "${second}"\n`), { target: "venv", builderOptions: offline() });
    const venvPython = String(result.entry.artifact.details?.python);
    expect(versionOf(venvPython)).toBe(first(second!)!.version);
    expect(result.entry.artifact.details).toMatchObject({ pythonVersion: first(second!)!.version, basePythonChosenBy: "python.version" });
    expect(spawnSync(venvPython, ["-c", "import envforge_greeting"]).status).toBe(0);
    // Said in the build log: which file, found where.
    expect(events.some((e) => e.type === "log" && e.line.includes(`for python.version ${second}`))).toBe(true);
    // pyenv's shims (bash scripts) are never taken for an interpreter.
    expect(installed.some((i) => i.file.includes(`${path.sep}shims${path.sep}`))).toBe(false);
  });

  it("a version no interpreter has fails at python.version, listing every interpreter found with its version", async () => {
    const { engine } = setup();
    const file = await definition('  version: "3.4"\n');
    const error = (await engine.build(file, { target: "venv", builderOptions: offline() }).catch((e: unknown) => e)) as EnvforgeError;
    expect(error).toBeInstanceOf(EnvforgeError);
    expect(error).toMatchObject({ code: "E_TOOL_NOT_FOUND", field: "python.version", location: { file, line: 3 } });
    for (const minor of [second!, third!]) expect(error.message).toContain(`Python ${first(minor)!.version}  ${first(minor)!.file}`);
    expect(error.hint).toContain("pip.python");
  });

  it(`a system-managed interpreterPath (${third}) is the venv's base interpreter`, async () => {
    const { engine } = setup();
    const interpreter = first(third!)!;
    const result = await engine.build(await definition(`  interpreterPath: ${interpreter.file}\n`), { target: "venv", builderOptions: offline() });
    expect(versionOf(String(result.entry.artifact.details?.python))).toBe(interpreter.version);
    expect(result.entry.artifact.details).toMatchObject({ basePythonChosenBy: "python.interpreterPath", pythonVersion: interpreter.version });
    // With the version it has, too.
    const both = await engine.build(await definition(`  interpreterPath: ${interpreter.file}\n  version: "${third}"\n`), { target: "venv", builderOptions: offline() });
    expect(both.entry.artifact.details?.pythonVersion).toBe(interpreter.version);
  });

  it("interpreterPath against python.version is an input error located at python.version", async () => {
    const { engine } = setup();
    const file = await definition(`  interpreterPath: ${first(third!)!.file}\n  version: "${second}"\n`);
    const error = (await engine.build(file, { target: "venv", builderOptions: offline() }).catch((e: unknown) => e)) as EnvforgeError;
    expect(error).toMatchObject({ code: "E_INVALID_VALUE", field: "python.version", location: { file, line: 4 } });
    expect(error.message).toContain(`is Python ${first(third!)!.version}`);
  });

  it("the host's pip.python still wins (said in a warning), and its mismatch with python.version stays an error", async () => {
    const { engine, events } = setup();
    const host = first(second!)!.file;
    const result = await engine.build(await definition(`  interpreterPath: ${first(third!)!.file}\n`), { target: "venv", builderOptions: { pip: { ...offline().pip, python: host } } });
    expect(result.entry.artifact.details).toMatchObject({ basePythonChosenBy: "pip.python", pythonVersion: first(second!)!.version });
    expect(events.some((e) => e.type === "warning" && e.code === "W_INTERPRETER_OVERRIDDEN")).toBe(true);
    const mismatch = await engine.build(await definition(`  version: "${third}"\n`), { target: "venv", builderOptions: { pip: { ...offline().pip, python: host } } }).catch((e: unknown) => e);
    expect(mismatch).toMatchObject({ code: "E_TOOL_NOT_FOUND", field: "python.version" });
  });

  it("a host that does not let definitions name interpreters refuses interpreterPath before running it", async () => {
    const { engine } = setup({ allowUserManaged: false });
    const error = await engine.build(await definition(`  interpreterPath: ${first(third!)!.file}\n`), { target: "venv", builderOptions: offline() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_POLICY", field: "python.interpreterPath" });
  });
});
