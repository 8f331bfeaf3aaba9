import path from "node:path";
import type { Activation, CacheEntry } from "@envforge/core/plugin-kit";

/**
 * The `venv` target's activation, as `bin/activate` does it: the venv's `bin` first on PATH,
 * `VIRTUAL_ENV` set, `PYTHONHOME` removed (it would point the venv's python at another
 * installation). A user-managed environment is the interpreter the definition named: its folder
 * first on PATH, nothing else changed.
 */
export function activateVenv(entry: CacheEntry): Activation | undefined {
  const artifact = entry.artifact;
  if (artifact.kind !== "venv" || !artifact.path) return undefined;
  if (artifact.details?.userManaged === true) {
    const interpreter = artifact.path;
    return {
      env: {},
      pathPrepend: [path.dirname(interpreter)],
      notes: [`user-managed: ${interpreter} is the interpreter; envforge installed nothing, so "python" may name another program in its folder`],
    };
  }
  return {
    env: { VIRTUAL_ENV: artifact.path },
    unset: ["PYTHONHOME"],
    pathPrepend: [path.join(artifact.path, "bin")],
  };
}
