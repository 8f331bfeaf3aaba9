import { realpath } from "node:fs/promises";
import path from "node:path";
import { isInside } from "./inside.js";

/**
 * Why a path a definition names is not inside its folder once symlinks are resolved: `"is
 * outside"` as written, `"links outside"` through a symlink, or `undefined` when it is inside.
 * A path that does not exist (yet) is judged by its deepest existing folder, so a link on the
 * way cannot lead elsewhere once the rest is created.
 */
export async function outsideRoot(root: string, candidate: string): Promise<"is outside" | "links outside" | undefined> {
  const absolute = path.resolve(candidate);
  if (!isInside(root, absolute)) return "is outside";
  const [real, realRoot] = await Promise.all([resolvedAsFarAsExists(absolute), resolvedAsFarAsExists(path.resolve(root))]);
  return isInside(realRoot, real) ? undefined : "links outside";
}

/** The path with symlinks resolved in its deepest existing ancestor, the missing rest appended. */
async function resolvedAsFarAsExists(absolute: string): Promise<string> {
  let probe = absolute;
  const rest: string[] = [];
  for (;;) {
    const real = await realpath(probe).catch(() => undefined);
    if (real !== undefined) return path.join(real, ...rest);
    const parent = path.dirname(probe);
    if (parent === probe) return absolute;
    rest.unshift(path.basename(probe));
    probe = parent;
  }
}
