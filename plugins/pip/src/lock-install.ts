import { writeFile } from "node:fs/promises";
import path from "node:path";
import { createError, hostLockPlatform, type BuildContext, type EnvLock, type LockedDistribution } from "@envforge/core/plugin-kit";
import { versionMatches, type Interpreter } from "./interpreter-discovery.js";
import { runQuiet, type RunResult } from "./process.js";

/**
 * Building from a lock (LOCK.md): the lock must be for this interpreter and platform, must still
 * satisfy every requirement of the definition, and is installed exactly — `--no-deps
 * --require-hashes` of the locked files, never a fresh resolution.
 */
export function checkLockTarget(ctx: BuildContext, lock: EnvLock, interpreter: Interpreter, platform = hostLockPlatform()): void {
  if (lock.python !== undefined && !versionMatches(lock.python, interpreter.version)) {
    throw createError("E_LOCK_MISMATCH", `the lock was made for Python ${lock.python}, but this build's interpreter ${interpreter.executable} is Python ${interpreter.version}`, {
      location: ctx.spec.loaded.locator.locate(["python", "version"]),
      hint: `build with a Python ${lock.python}, or lock again for this one: envforge lock REF --python-version ${interpreter.version.split(".").slice(0, 2).join(".")}`,
    });
  }
  if (lock.platform !== platform) {
    throw createError("E_LOCK_MISMATCH", `the lock was made for platform ${lock.platform}, but this build runs on ${platform}`, {
      hint: `build on ${lock.platform}, or lock again for this one: envforge lock REF --platform ${platform}`,
    });
  }
}

/** Checks each requirement against the locked versions with pip's own `packaging` (markers evaluated by this interpreter). */
const SATISFIES = `
import json, sys
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name
data = json.loads(sys.argv[1])
locked = {canonicalize_name(n): v for n, v in data["locked"].items()}
out = []
for line in data["requirements"]:
    try:
        r = Requirement(line)
    except Exception:
        continue
    if r.marker is not None and not r.marker.evaluate():
        continue
    if r.url:
        continue
    v = locked.get(canonicalize_name(r.name))
    if v is None or not r.specifier.contains(v, prereleases=True):
        out.append([line, v])
print(json.dumps(out))
`;

export async function checkLockSatisfies(ctx: BuildContext, python: string, requirements: readonly string[], pip: readonly LockedDistribution[], env: Record<string, string>): Promise<void> {
  const locked = Object.fromEntries(pip.map((d) => [d.name, d.version]));
  const result = await runQuiet(python, ["-c", SATISFIES, JSON.stringify({ requirements, locked })], ctx, env);
  if (!result.ok) throw createError("E_BUILD_FAILED", `could not check the lock against the requirements: ${result.stderr.split("\n").slice(-3).join(" ")}`);
  const unmet = JSON.parse(result.stdout) as Array<[string, string | null]>;
  if (unmet.length === 0) return;
  const lines = unmet.map(([req, v]) => `${req} (locked: ${v ?? "absent"})`);
  throw createError("E_LOCK_MISMATCH", `the lock does not satisfy the definition: ${lines.join(", ")}`, {
    location: ctx.spec.loaded.locator.locate(["python", "pip"]),
    field: "python.pip",
    hint: "update the lock: envforge lock REF (or --upgrade-package NAME)",
    details: { unmet: unmet.map(([requirement, locked]) => ({ requirement, locked })) },
  });
}

/** The requirements file of a lock: `name==version --hash=sha256:…`, one per distribution. */
export async function writeLockedRequirements(dir: string, pip: readonly LockedDistribution[]): Promise<string> {
  const file = path.join(dir, "locked-requirements.txt");
  await writeFile(file, pip.map((d) => `${d.name}==${d.version} --hash=sha256:${d.sha256}\n`).join(""));
  return file;
}

/** The args of `pip install` for the locked set. */
export function lockedInstallArgs(file: string): string[] {
  return ["-m", "pip", "install", "--no-input", "--disable-pip-version-check", "--no-deps", "--require-hashes", "-r", file];
}

/** A failed locked install, naming the locked package pip complained about (a tampered or missing file). */
export function lockedInstallFailed(result: RunResult, pip: readonly LockedDistribution[]): Error {
  const tail = result.tail.slice(-20);
  const text = tail.join("\n").toLowerCase();
  const culprit = pip.find((d) => text.includes(`${d.name}==${d.version}`)) ?? pip.find((d) => text.includes(d.name));
  const what = culprit ? `${culprit.name} ${culprit.version} (${culprit.file})` : "a locked package";
  const why = /do not match the hashes|expected sha256/i.test(text) ? "its file does not match the lock's sha256 (tampered or replaced)" : /no matching distribution|could not find a version/i.test(text) ? "its locked file cannot be found" : "pip failed";
  return createError("E_BUILD_FAILED", `installing the lock failed at ${what}: ${why}${tail.length > 0 ? `:\n${tail.join("\n")}` : ""}`, {
    hint: "a locked file is never re-resolved silently: restore the file, or lock again (envforge lock REF) if the change is meant",
    details: { step: "pip install (locked)", package: culprit?.name, exitCode: result.exitCode, outputTail: tail.join("\n") },
  });
}
