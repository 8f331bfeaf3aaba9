import { pythonVersionCheck, type CanonicalValue, type ImageFragment } from "@envforge/core/plugin-kit";
import { execForm } from "./generator.js";

interface PythonCanonical {
  version?: string;
  userManaged?: true;
  interpreterPath?: string;
}

/**
 * The interpreter part of an image (order 20, before conda and pip). User-managed: nothing is
 * installed, the given interpreter must exist (and have the version, when one is given).
 * System-managed: whoever creates the environment checks the version (the venv step of the pip
 * fragment, conda's own solve); `checkSystemPython` asks for a check of the image's python3 when
 * nothing creates one, so `python.version` is never silently ignored. A system-managed
 * `interpreterPath` (without conda, which brings its own) is a path in the image: it must exist
 * there, the pip fragment makes the venv from it, and it stands in for python3 in the check.
 */
export function pythonFragment(value: CanonicalValue | undefined, options: { checkSystemPython?: boolean; withConda?: boolean } = {}): ImageFragment | undefined {
  const python = (value ?? {}) as PythonCanonical;
  const instructions: string[] = [];
  const systemInterpreter = !python.userManaged && !options.withConda ? python.interpreterPath : undefined;
  if (python.userManaged || systemInterpreter !== undefined) {
    const interpreter = python.interpreterPath!;
    // The path reaches the shell only as "$1", never as script text.
    instructions.push(
      execForm("RUN", [
        "/bin/sh",
        "-c",
        'test -x "$1" || { echo "envforge: the user-managed interpreter $1 does not exist in the image or is not executable" >&2; exit 1; }',
        "envforge-check",
        interpreter,
      ]),
    );
    if (python.version !== undefined && (python.userManaged || options.checkSystemPython)) instructions.push(execForm("RUN", [interpreter, "-c", pythonVersionCheck(python.version)]));
  } else if (python.version !== undefined && options.checkSystemPython) {
    instructions.push(execForm("RUN", ["python3", "-c", pythonVersionCheck(python.version)]));
  }
  return instructions.length === 0 ? undefined : { order: 20, instructions };
}
