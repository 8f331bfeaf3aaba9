import { existsSync } from "node:fs";
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createError, hostProgram, type BuildContext, type BuildOutput, type EnvforgeError, type EnvLock, LOCK_SECTION } from "@envforge/core/plugin-kit";
import { checkLockSatisfies, checkLockTarget, lockedInstallArgs, lockedInstallFailed, writeLockedRequirements } from "./lock-install.js";
import { assertNoVariables, canonicalName, lockedPackages, parseFreeze, pipCanonicalParts, pipIndexSetup, pipInstallFiles, readBuilderOptions } from "@envforge/python";
import type { PipParsed } from "./collect.js";
import { runLogged, runQuiet, type RunResult } from "./process.js";
import { recognisePython } from "./interpreter-check.js";
import { findInterpreter, probe, versionMatches, type Interpreter } from "./interpreter-discovery.js";
import { PIP_SECTION } from "./section.js";
import { compileInstalled } from "./compile.js";
import { freezeFromReport } from "./install-report.js";
import { planFastVenv } from "./venv-seed.js";

export interface PythonSection {
  version?: string | undefined;
  userManaged?: boolean | undefined;
  interpreterPath?: string | undefined;
}

/** Sections a venv carries (`engine.targets`); anything else (conda, docker…) needs another target. */
export const VENV_CARRIES: readonly string[] = ["python", PIP_SECTION];
/**
 * What a python-only venv (`--python-only`) may leave out: an image's base and steps, Spark's
 * jars. Never conda's packages: without them there is no Python part to speak of.
 */
export const VENV_PYTHON_ONLY_LEAVES_OUT: readonly string[] = ["docker", "spark"];

/** The host's interpreter option: a path with a slash is read against the engine's baseDir, a bare name on PATH. */
function hostInterpreter(ctx: BuildContext, python: string | undefined): string | undefined {
  return python === undefined ? undefined : hostProgram(ctx.baseDir, python);
}

/** Who chose the venv's base interpreter (recorded in the artifact's details). */
type ChosenBy = "pip.python" | "python.interpreterPath" | "python.version" | "default";

/**
 * The `venv` target: `python -m venv` in the artifact folder, then `pip install` of the canonical
 * requirements, then `pip freeze --all` as the lock. Made fast where the base interpreter allows
 * (venv-seed.ts): `--without-pip`, filled by the base interpreter's pip with the pip wheel
 * ensurepip would have installed, compiled and frozen from pip's install report afterwards. A user-managed definition builds nothing: its
 * interpreter is checked and recorded.
 */
export async function buildVenv(ctx: BuildContext, pluginPython: string | undefined): Promise<BuildOutput> {
  // The engine refuses these before lookup (targets.ts); kept for a host that calls this directly.
  const others = Object.keys(ctx.spec.sections).filter((s) => !VENV_CARRIES.includes(s) && s !== LOCK_SECTION && !ctx.leftOut.includes(s));
  if (others.length > 0) {
    throw createError("E_NO_BUILDER", `the venv target installs pip requirements only; this definition also has: ${others.join(", ")}`, {
      hint: "build it with a target that handles those sections (conda, docker, podman, spark)",
    });
  }
  const options = readBuilderOptions(ctx.options[PIP_SECTION]);
  const python = (ctx.spec.sections.python ?? {}) as PythonSection;
  // Checked before anything runs: a variable the host does not pass, a find-links folder outside.
  const { env, baseEnv, args: indexArgs, redact } = await pipIndexSetup(ctx, options);

  if (python.userManaged) return userManaged(ctx, python, baseEnv);

  const { interpreter, chosenBy } = await baseInterpreter(ctx, python, hostInterpreter(ctx, options.python ?? pluginPython), baseEnv);
  if (ctx.leftOut.length > 0) ctx.log(`python-only: building the Python part of the definition; left out: ${ctx.leftOut.join(", ")}`, "info");

  const parsed = ctx.spec.sections[PIP_SECTION];
  const run = (file: string, args: string[]) => {
    ctx.log(`$ ${[file, ...args].join(" ")}`, "info");
    return runLogged(file, args, ctx, { env, cwd: ctx.workDir, redact });
  };

  // A lock beside the definition (LOCK.md) is installed exactly, for the interpreter and platform it names.
  const lock = ctx.spec.sections.lock as EnvLock | undefined;
  const locked = lock?.pip !== undefined && lock.pip.length > 0 ? lock.pip : undefined;
  if (lock && locked) checkLockTarget(ctx, lock, interpreter);

  const canonical = ctx.canonical.sections[PIP_SECTION];
  const parts = pipCanonicalParts(canonical);
  const fast = await planFastVenv(interpreter, parts, locked, ctx.workDir);
  const created = await run(interpreter.executable, ["-m", "venv", ...(fast ? ["--without-pip"] : []), ctx.artifactDir]);
  ctx.signal.throwIfAborted();
  if (created.exitCode !== 0) throw failed("python -m venv", created);
  const venvPython = path.join(ctx.artifactDir, "bin", "python");
  const pip = fast?.pip ?? ["-m", "pip"];
  const seed = fast?.seed;
  const report = path.join(ctx.workDir, "install-report.json");
  const extra = [...(fast ? ["--no-compile", "--report", report] : []), ...indexArgs, ...(seed ? ["--find-links", seed.findLinks] : [])];
  if (fast) ctx.log(`the venv is filled by ${interpreter.executable}'s pip${seed ? `, with pip ${seed.version} for the venv` : ""}`, "info");

  if (locked) {
    // The check imports pip's packaging: on the fast path the venv has none yet, and its base
    // interpreter (same version and platform) evaluates the markers alike.
    await checkLockSatisfies(ctx, fast ? interpreter.executable : venvPython, parts.requirements, locked, baseEnv);
    ctx.log(`installing the lock: ${locked.length} distributions, --no-deps --require-hashes`, "info");
    const file = await writeLockedRequirements(ctx.workDir, locked);
    if (seed) await appendFile(file, `${seed.line}\n`);
    const installed = await run(venvPython, [...lockedInstallArgs(file, pip), ...extra]);
    ctx.signal.throwIfAborted();
    if (installed.exitCode !== 0) throw lockedInstallFailed(installed, locked);
  } else if (parts.requirements.length > 0 || seed) {
    const files = pipInstallFiles(canonical);
    const reqFile = path.join(ctx.workDir, "requirements.txt");
    assertNoVariables(files.requirements, "requirements.txt");
    assertNoVariables(files.constraints ?? "", "constraints.txt");
    await writeFile(reqFile, seed ? `${files.requirements}${seed.line}\n` : files.requirements);
    if (files.constraints !== undefined) await writeFile(path.join(ctx.workDir, "constraints.txt"), files.constraints);
    const installed = await run(venvPython, [...pip, "install", "--no-input", "--disable-pip-version-check", "-r", reqFile, ...extra]);
    ctx.signal.throwIfAborted();
    if (installed.exitCode !== 0) throw failed("pip install", installed);
  }

  const sitePackages = path.join("lib", `python${interpreter.version.split(".").slice(0, 2).join(".")}`, "site-packages");
  // The fast path's install report says what freeze would (install-report.ts) when nothing came
  // from a URL or a folder. Else freeze runs, beside the compiler: freeze reads the
  // distributions' metadata, the compiler writes `__pycache__`.
  const reported = fast && existsSync(report) ? freezeFromReport(await readFile(report, "utf8")) : undefined;
  const [freeze] = await Promise.all([
    reported !== undefined
      ? { ok: true, stdout: reported, stderr: "" }
      : runQuiet(venvPython, [...pip, "freeze", "--all", "--disable-pip-version-check"], ctx, baseEnv),
    fast ? compileInstalled(venvPython, path.join(ctx.artifactDir, sitePackages), ctx, baseEnv) : undefined,
  ]);
  ctx.signal.throwIfAborted();
  if (!freeze.ok) throw failed("pip freeze", { exitCode: undefined, tail: redact(freeze.stderr).split("\n").slice(-20), stdout: "", failed: true });
  const lines = parseFreeze(freeze.stdout);
  const versions = lines.some((l) => l.version === undefined) ? await installedVersions(venvPython, ctx, baseEnv) : new Map<string, string>();
  const packages = lockedPackages(lines, versions).map((p) => (p.source === undefined ? p : { ...p, source: redact(p.source) }));
  logResolved(parsed, packages, ctx);
  // The installed modules are compiled; a top-level module's first import would still create this
  // folder and so change site-packages, which the seal checks on every hit: made now instead.
  if (existsSync(path.join(ctx.artifactDir, sitePackages))) await mkdir(path.join(ctx.artifactDir, sitePackages, "__pycache__"), { recursive: true });
  return {
    artifact: {
      kind: "venv",
      path: ctx.artifactDir,
      details: {
        python: venvPython,
        pythonVersion: interpreter.version,
        basePython: interpreter.executable,
        basePythonChosenBy: chosenBy,
        ...(ctx.leftOut.length > 0 ? { pythonOnly: true, leftOut: [...ctx.leftOut] } : {}),
      },
    },
    lock: { packages, raw: { "pip freeze --all": redact(freeze.stdout) } },
    builder: "pip",
    // Running the venv writes only below these (`__pycache__` of each imported package).
    seal: { paths: ["bin", "bin/python", sitePackages] },
  };
}

/**
 * The venv's base interpreter, never chosen silently against the definition: the host's
 * `pip.python` (builder or plugin option) when given; else a system-managed
 * `python.interpreterPath` (recognised without running it, then probed); else, for
 * `python.version`, the first matching interpreter on PATH or among pyenv's and uv's installs
 * (interpreter-discovery.ts); else `python3`. Any version mismatch is an error at python.version.
 */
export async function baseInterpreter(
  ctx: BuildContext,
  python: PythonSection,
  hostPython: string | undefined,
  env: Record<string, string>,
): Promise<{ interpreter: Interpreter; chosenBy: ChosenBy }> {
  const locate = (field: "version" | "interpreterPath") => ctx.spec.loaded.locator.locate(["python", field]);
  if (hostPython !== undefined) {
    if (python.interpreterPath !== undefined) {
      ctx.warn("W_INTERPRETER_OVERRIDDEN", `the host's pip.python (${hostPython}) creates the venv, not python.interpreterPath (${python.interpreterPath})`, locate("interpreterPath"), "drop the builder option pip.python to use the definition's interpreter");
    }
    const interpreter = await probe(hostPython, ctx, env, "E_TOOL_NOT_FOUND");
    checkVersion(python.version, interpreter, hostPython, ctx, "pip.python");
    ctx.log(`base interpreter: ${interpreter.executable} (Python ${interpreter.version}), the builder option pip.python`, "info");
    return { interpreter, chosenBy: "pip.python" };
  }
  if (python.interpreterPath !== undefined) {
    const file = python.interpreterPath;
    if (!ctx.policy.allowUserManaged) {
      throw createError("E_POLICY", `python.interpreterPath names a program on this machine (${file}) that the build would run, and the host policy does not allow definitions to name interpreters`, {
        location: locate("interpreterPath"),
        field: "python.interpreterPath",
        hint: "drop interpreterPath (python.version picks an installed interpreter), or let the host allow it (--allow-user-managed, policy.allowUserManaged)",
      });
    }
    await recognisePython(file, { location: locate("interpreterPath"), field: "python.interpreterPath" });
    const interpreter = await probe(file, ctx, env, "E_FILE_NOT_FOUND");
    checkVersion(python.version, interpreter, file, ctx, "python.interpreterPath");
    ctx.log(`base interpreter: ${file} (Python ${interpreter.version}), python.interpreterPath`, "info");
    return { interpreter, chosenBy: "python.interpreterPath" };
  }
  if (python.version !== undefined) {
    const found = await findInterpreter(python.version, ctx, env, { location: locate("version") });
    ctx.log(`base interpreter: ${found.file} (Python ${found.version}, found on ${found.source}) for python.version ${python.version}`, "info");
    return { interpreter: found, chosenBy: "python.version" };
  }
  return { interpreter: await probe("python3", ctx, env, "E_TOOL_NOT_FOUND"), chosenBy: "default" };
}

function checkVersion(wanted: string | undefined, interpreter: Interpreter, name: string, ctx: BuildContext, chosenBy: "pip.python" | "python.interpreterPath"): void {
  if (wanted === undefined || versionMatches(wanted, interpreter.version)) return;
  // The definition contradicts itself (its interpreter against its version): an input error.
  const ownInterpreter = chosenBy === "python.interpreterPath";
  throw createError(ownInterpreter ? "E_INVALID_VALUE" : "E_TOOL_NOT_FOUND", `the definition asks for Python ${wanted}, but ${ownInterpreter ? "python.interpreterPath " : "the builder option pip.python "}${name} (${interpreter.executable}) is Python ${interpreter.version}`, {
    location: ctx.spec.loaded.locator.locate(["python", "version"]),
    field: "python.version",
    hint: ownInterpreter
      ? `set python.version to ${interpreter.version.split(".").slice(0, 2).join(".")}, or point interpreterPath at a Python ${wanted}`
      : `drop -o pip.python to let envforge find a Python ${wanted}, or name one with it (-o pip.python=/usr/bin/python${wanted})`,
  });
}

/**
 * A user-managed definition names a program on this machine, which the build runs to ask its
 * version: only if the host allows it, and only once the file is recognised as a Python
 * interpreter without running it (interpreter-check.ts).
 */
async function userManaged(ctx: BuildContext, python: PythonSection, env: Record<string, string>): Promise<BuildOutput> {
  const interpreter = python.interpreterPath!;
  if (!ctx.policy.allowUserManaged) {
    throw createError("E_POLICY", `the host policy does not allow user-managed environments: python.interpreterPath ${interpreter} is not run`, {
      location: ctx.spec.loaded.locator.locate(["python", "userManaged"]),
      field: "python.userManaged",
      hint: "build an environment envforge creates (drop userManaged), or let the host allow it (policy.allowUserManaged)",
    });
  }
  await recognisePython(interpreter, { location: ctx.spec.loaded.locator.locate(["python", "interpreterPath"]), field: "python.interpreterPath" });
  const found = await probe(interpreter, ctx, env, "E_FILE_NOT_FOUND");
  checkVersion(python.version, found, interpreter, ctx, "python.interpreterPath");
  ctx.log(`user-managed environment: nothing to install, using ${interpreter} (Python ${found.version})`, "info");
  return {
    artifact: { kind: "venv", path: interpreter, details: { python: interpreter, pythonVersion: found.version, userManaged: true } },
    builder: "pip",
  };
}

async function installedVersions(venvPython: string, ctx: BuildContext, env: Record<string, string>): Promise<Map<string, string>> {
  const script = "import importlib.metadata as m, json; print(json.dumps([[d.metadata['Name'], d.version] for d in m.distributions()]))";
  const result = await runQuiet(venvPython, ["-c", script], ctx, env);
  const out = new Map<string, string>();
  if (!result.ok) return out;
  for (const [name, version] of JSON.parse(result.stdout) as Array<[string, string]>) {
    out.set(canonicalName(name), version);
  }
  return out;
}

/** Says, in the build log, what each unpinned requirement resolved to this time. */
function logResolved(parsed: PipParsed | undefined, packages: ReadonlyArray<{ name: string; version: string }>, ctx: BuildContext): void {
  for (const req of parsed?.requirements ?? []) {
    if (req.pinned || !req.name) continue;
    const pkg = packages.find((p) => p.name === req.name);
    if (pkg) ctx.log(`unpinned ${req.name} resolved to ${pkg.version} (recorded in the lock)`, "info");
  }
}

export function failed(step: string, result: RunResult): EnvforgeError {
  const tail = result.tail.slice(-20);
  const why = result.spawnError ?? (result.exitCode === undefined ? "did not finish" : `exited with code ${result.exitCode}`);
  return createError("E_BUILD_FAILED", `${step} ${why}${tail.length > 0 ? `:\n${tail.join("\n")}` : ""}`, {
    // The engine appends where the whole output is ("the build log is PATH", build-support.ts).
    hint: "the last lines of its output are above",
    details: { step, exitCode: result.exitCode, outputTail: tail.join("\n") },
  });
}
