import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, symlink } from "node:fs/promises";
import path from "node:path";
import { canonicalName, type PipCanonicalParts } from "@envforge/python";
import type { Interpreter } from "./interpreter-discovery.js";

/**
 * How a venv is filled fast (PERFORMANCE.md, "the miss path"). `python -m venv` spends most of a
 * small build in ensurepip, which installs pip (and, before Python 3.12, setuptools) by running
 * pip in a child and byte-compiling its ~600 modules. Instead the venv is made `--without-pip`
 * and filled by the base interpreter's own pip, run under the venv's python through pip's
 * `__pip-runner__.py` (what `pip --python` does, minus the first process); the pip wheel
 * ensurepip would have installed is installed with the user's requirements, so `python -m pip`
 * still works in the venv. Everything is installed `--no-compile` and the user's packages are
 * compiled afterwards, beside `pip freeze`: pip's own modules compile on their first use (a
 * `__pycache__` the seal and `cache verify` leave out), as the venv's other packages would.
 */
export interface FastVenv {
  /** `python` arguments that run pip in the venv: the base interpreter's `__pip-runner__.py`. */
  pip: string[];
  /** The pip requirement line to install beside the user's, absent when they name pip themselves. */
  seed?: { line: string; findLinks: string; version: string } | undefined;
}

const RUNNER = "__pip-runner__.py";
const NAME = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:$|[\s<>=!~;@[(])/;

/** The project a canonical requirement line names (`undefined` for a bare URL or path). */
function projectOf(line: string): string | undefined {
  const m = NAME.exec(line.trim());
  return m ? canonicalName(m[1]!) : undefined;
}

/**
 * The fast way for this interpreter and section, or `undefined` for the classic one: the base
 * interpreter has no pip new enough to have the runner (pip ≥ 22.3) or no pip wheel for the venv,
 * options would refuse a wheel (`--no-binary`), or a constraint names pip (the venv's pip would
 * then be what the constraint allows, as ensurepip's upgrade would have been).
 */
export async function planFastVenv(
  interpreter: Interpreter,
  parts: PipCanonicalParts,
  locked: ReadonlyArray<{ name: string }> | undefined,
  workDir: string,
): Promise<FastVenv | undefined> {
  if (interpreter.pipDir === undefined || interpreter.pipWheel === undefined) return undefined;
  const runner = path.join(interpreter.pipDir, RUNNER);
  if (!existsSync(runner) || !existsSync(interpreter.pipWheel)) return undefined;
  if (parts.options.some((o) => o.startsWith("--no-binary"))) return undefined;
  if (parts.constraints.some((c) => projectOf(c) === "pip")) return undefined;
  const pip = [runner];
  const named = locked ? locked.some((d) => canonicalName(d.name) === "pip") : parts.requirements.some((r) => projectOf(r) === "pip");
  if (named) return { pip };
  const version = /^pip-([^-]+)-/.exec(path.basename(interpreter.pipWheel))?.[1];
  if (version === undefined) return undefined;
  // Its own folder: the wheel's neighbours (a distribution's setuptools, wheel) must not become
  // candidates for the user's requirements.
  const findLinks = path.join(workDir, "pip-seed");
  await mkdir(findLinks, { recursive: true });
  const target = path.join(findLinks, path.basename(interpreter.pipWheel));
  await symlink(interpreter.pipWheel, target).catch(() => copyFile(interpreter.pipWheel!, target));
  // A hash on one line puts pip in hash-checking mode for all: only given when the others have theirs.
  const hashed = locked !== undefined || parts.requirements.some((r) => r.includes("--hash"));
  const sha256 = hashed ? createHash("sha256").update(await readFile(target)).digest("hex") : undefined;
  return { pip, seed: { line: `pip==${version}${sha256 ? ` --hash=sha256:${sha256}` : ""}`, findLinks, version } };
}
