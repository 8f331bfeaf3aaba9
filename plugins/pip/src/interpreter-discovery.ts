import { readdirSync, realpathSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createError, type BuildContext, type SourceLocation } from "@envforge/core/plugin-kit";
import { recognisePython } from "./interpreter-check.js";
import { runQuiet } from "./process.js";

// Also where the interpreter's own pip lives and the pip wheel its `ensurepip` would install
// (a venv's fast build, venv-seed.ts), found without importing either; a failure there leaves
// them out and the venv is built the slower way.
const PROBE = `import sys, json
out = {'version': '%d.%d.%d' % sys.version_info[:3], 'executable': sys.executable}
try:
    import glob, os, sysconfig, importlib.util as u
    s = u.find_spec('pip')
    if s and s.submodule_search_locations:
        out['pipDir'] = list(s.submodule_search_locations)[0]
    e = u.find_spec('ensurepip')
    dirs = [sysconfig.get_config_var('WHEEL_PKG_DIR')]
    if e and e.submodule_search_locations:
        dirs.append(os.path.join(list(e.submodule_search_locations)[0], '_bundled'))
    for d in dirs:
        wheels = sorted(glob.glob(os.path.join(d, 'pip-*.whl'))) if d else []
        if wheels:
            out['pipWheel'] = wheels[-1]
            break
except Exception:
    pass
print(json.dumps(out))`;

export interface Interpreter {
  version: string;
  executable: string;
  /** The folder of the interpreter's own `pip` package, when it has one. */
  pipDir?: string | undefined;
  /** The pip wheel `python -m venv` would install into a venv (ensurepip's bundled or the distribution's). */
  pipWheel?: string | undefined;
}

/** Where an interpreter was found, in the order they are searched. */
export type InterpreterSource = "PATH" | "pyenv" | "uv";

export interface FoundInterpreter extends Interpreter {
  /** The file found (`executable` is what it reports: a venv's or a link's target may differ). */
  file: string;
  source: InterpreterSource;
}

/** Runs an interpreter to ask its version (only after the caller decided it may run). */
export async function probe(
  interpreter: string,
  ctx: Pick<BuildContext, "signal">,
  env: Record<string, string>,
  code: "E_TOOL_NOT_FOUND" | "E_FILE_NOT_FOUND",
): Promise<Interpreter> {
  const result = await runQuiet(interpreter, ["-c", PROBE], ctx, env);
  ctx.signal.throwIfAborted();
  if (!result.ok) {
    throw createError(code, result.notFound ? `the Python interpreter "${interpreter}" was not found` : `the Python interpreter "${interpreter}" does not run: ${result.message}`, {
      hint: "install Python 3 with its venv module, or name the interpreter with the builder option pip.python (-o pip.python=/usr/bin/python3.11)",
    });
  }
  try {
    return JSON.parse(result.stdout.trim().split("\n").pop() ?? "") as Interpreter;
  } catch {
    throw createError(code, `"${interpreter}" did not answer like a Python interpreter`, { hint: "point pip.python at a Python 3 interpreter" });
  }
}

/** `python.version: "3.11"` is satisfied by 3.11.x; "3.11.7" only by 3.11.7. */
export function versionMatches(wanted: string, actual: string): boolean {
  const w = wanted.split(".");
  const a = actual.split(".");
  return w.every((part, i) => Number(part) === Number(a[i]));
}

const VERSIONED = /^python\d+\.\d+$/;

/**
 * Interpreter files on this machine, in search order: `pythonX.Y` in each `PATH` folder, then
 * pyenv's installs (`$PYENV_ROOT/versions/*`), then uv's (`$UV_PYTHON_INSTALL_DIR` or
 * `~/.local/share/uv/python/*`), newest version folder first. pyenv's shims are skipped: they
 * are shell scripts that only ever run pyenv's global version.
 */
export function interpreterFiles(env: NodeJS.ProcessEnv = process.env): Array<{ file: string; source: InterpreterSource }> {
  const out: Array<{ file: string; source: InterpreterSource }> = [];
  const home = env.HOME ?? os.homedir();
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (dir === "" || !path.isAbsolute(dir) || dir.split(path.sep).includes("shims")) continue;
    for (const name of names(dir)) if (VERSIONED.test(name)) out.push({ file: path.join(dir, name), source: "PATH" });
  }
  const installs: Array<[string, InterpreterSource]> = [
    [path.join(env.PYENV_ROOT ?? path.join(home, ".pyenv"), "versions"), "pyenv"],
    [env.UV_PYTHON_INSTALL_DIR ?? path.join(env.XDG_DATA_HOME ?? path.join(home, ".local", "share"), "uv", "python"), "uv"],
  ];
  for (const [root, source] of installs) {
    for (const version of names(root).sort(newestFirst)) {
      const bin = path.join(root, version, "bin");
      for (const name of names(bin)) if (VERSIONED.test(name)) out.push({ file: path.join(bin, name), source });
    }
  }
  return out;
}

/**
 * The interpreter for `python.version`: the first file named `pythonX.Y` (the version's first
 * two parts) whose version matches, searched as `interpreterFiles` lists them. Each is recognised
 * as a CPython binary without running it (interpreter-check.ts) before it is probed. None matches:
 * `E_TOOL_NOT_FOUND` at python.version, listing every interpreter found with its version.
 */
export async function findInterpreter(
  wanted: string,
  ctx: Pick<BuildContext, "signal">,
  env: Record<string, string>,
  site: { location: SourceLocation | undefined },
  hostEnv: NodeJS.ProcessEnv = process.env,
): Promise<FoundInterpreter> {
  const [major, minor] = wanted.split(".");
  const name = minor === undefined ? undefined : `python${major}.${minor}`;
  const found: FoundInterpreter[] = [];
  const seen = new Set<string>();
  for (const candidate of interpreterFiles(hostEnv)) {
    const base = path.basename(candidate.file);
    if (name !== undefined ? base !== name : !base.startsWith(`python${major}.`)) continue;
    const interpreter = await recognised(candidate, ctx, env, seen);
    if (!interpreter) continue;
    found.push(interpreter);
    if (versionMatches(wanted, interpreter.version)) return interpreter;
  }
  // Nothing matched: everything there is, for the message.
  for (const candidate of interpreterFiles(hostEnv)) {
    const interpreter = await recognised(candidate, ctx, env, seen);
    if (interpreter) found.push(interpreter);
  }
  const listed = found.map((i) => `  Python ${i.version}  ${i.file} (${i.source})`);
  throw createError("E_TOOL_NOT_FOUND", `the definition asks for Python ${wanted}, and no interpreter on this machine has that version (searched PATH, pyenv's and uv's installs)${listed.length > 0 ? `; found:\n${listed.join("\n")}` : "; none found"}`, {
    location: site.location,
    field: "python.version",
    hint: `install Python ${wanted} (e.g. pyenv install ${wanted} or uv python install ${wanted}), or name an interpreter with the builder option pip.python (-o pip.python=/path/to/python${name?.slice(6) ?? major})`,
    details: { found: found.map(({ file, version, source }) => ({ file, version, source })) },
  });
}

async function recognised(
  candidate: { file: string; source: InterpreterSource },
  ctx: Pick<BuildContext, "signal">,
  env: Record<string, string>,
  seen: Set<string>,
): Promise<FoundInterpreter | undefined> {
  let real: string;
  try {
    real = realpathSync(candidate.file);
  } catch {
    return undefined;
  }
  if (seen.has(real)) return undefined;
  seen.add(real);
  try {
    await recognisePython(candidate.file, { location: { file: candidate.file, line: 1, column: 1 }, field: "python.version" });
    return { ...(await probe(candidate.file, ctx, env, "E_TOOL_NOT_FOUND")), file: candidate.file, source: candidate.source };
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    return undefined; // a script, a broken install: not an interpreter to offer
  }
}

function names(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** "3.12.1" before "3.9.18" before "pypy3.10…": numeric parts compared as numbers. */
function newestFirst(a: string, b: string): number {
  const parts = (v: string) => v.split(/[.-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : -1));
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pb[i] ?? -1) - (pa[i] ?? -1);
    if (d !== 0) return d;
  }
  return a.localeCompare(b);
}
