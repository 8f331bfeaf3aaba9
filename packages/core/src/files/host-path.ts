import path from "node:path";

/** A URL (`https://…`, `file:///…`): not a path on this machine to resolve. */
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * A path from the host's builder options as a tool must see it: relative paths are the host's,
 * read against the engine's `baseDir` (its working directory by default), never against the
 * scratch folder a tool runs in. Absolute paths and URLs are returned as they are.
 */
export function hostPath(baseDir: string, value: string): string {
  if (SCHEME.test(value) || path.isAbsolute(value)) return value;
  return path.resolve(baseDir, value);
}

/**
 * A program from the host's builder options (`python3`, `./py/bin/python`): a bare name is looked
 * up on PATH as a shell would, a name with a slash is a path read against `baseDir`.
 */
export function hostProgram(baseDir: string, value: string): string {
  return value.includes("/") || value.includes(path.sep) ? hostPath(baseDir, value) : value;
}
