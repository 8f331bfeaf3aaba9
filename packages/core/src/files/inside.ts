import path from "node:path";

/** Whether `candidate` is `root` or below it (lexically; resolve links first where they matter). */
export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, path.resolve(candidate));
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}
