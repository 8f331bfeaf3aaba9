const VERSION = /^\d+(\.\d+){0,2}$/;

/**
 * A script for `python -c` that fails an image build unless the interpreter's version starts with
 * `want` (core's `python.version`). `want` is checked against a strict pattern first, so it cannot
 * break out of the literal. Shared by every fragment that creates or checks an interpreter (the
 * image package's python fragment, pip's venv step), so they fail with the same message.
 */
export function pythonVersionCheck(want: string): string {
  if (!VERSION.test(want)) throw new Error(`invalid python version ${JSON.stringify(want)}`);
  return [
    "import sys",
    `want = '${want}'`,
    "have = '%d.%d.%d' % sys.version_info[:3]",
    // Exits only on a mismatch: code may follow this statement (the venv creation).
    "(have + '.').startswith(want + '.') or sys.exit('envforge: this image has Python ' + have + ', the definition asks for ' + want)",
  ].join("; ");
}
