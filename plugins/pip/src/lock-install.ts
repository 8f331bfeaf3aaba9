import { createError, hostLockPlatform, type BuildContext, type EnvLock, type LockedDistribution } from "@envforge/core/plugin-kit";
import { lockedInstallArgs, lockedInstallCulprit, lockSatisfiesArgs, lockUnmetError, writeLockedRequirements } from "@envforge/python";
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

export async function checkLockSatisfies(ctx: BuildContext, python: string, requirements: readonly string[], pip: readonly LockedDistribution[], env: Record<string, string>): Promise<void> {
  const result = await runQuiet(python, lockSatisfiesArgs(requirements, pip), ctx, env);
  if (!result.ok) throw createError("E_BUILD_FAILED", `could not check the lock against the requirements: ${result.stderr.split("\n").slice(-3).join(" ")}`);
  const unmet = lockUnmetError(ctx, result.stdout);
  if (unmet) throw unmet;
}

// Shared with the conda target's pip part (@envforge/python locked-install.ts).
export { lockedInstallArgs, writeLockedRequirements };

/** A failed locked install, naming the locked package pip complained about (a tampered or missing file). */
export function lockedInstallFailed(result: RunResult, pip: readonly LockedDistribution[]): Error {
  const tail = result.tail.slice(-20);
  const { culprit, what, why } = lockedInstallCulprit(tail.join("\n"), pip);
  return createError("E_BUILD_FAILED", `installing the lock failed at ${what}: ${why}${tail.length > 0 ? `:\n${tail.join("\n")}` : ""}`, {
    hint: "a locked file is never re-resolved silently: restore the file, or lock again (envforge lock REF) if the change is meant",
    details: { step: "pip install (locked)", package: culprit?.name, exitCode: result.exitCode, outputTail: tail.join("\n") },
  });
}
