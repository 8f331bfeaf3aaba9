import path from "node:path";

/**
 * Where a definition's lock lives: its path with the extension replaced by `.lock` (`env.yaml` →
 * `env.lock`, `envforge.json` → `envforge.lock`, `env` → `env.lock`). Node built-ins only: the
 * quick path imports it to notice a lock that appeared beside a memoized definition.
 */
export function lockPathFor(definitionFile: string): string {
  const ext = path.extname(definitionFile);
  const base = ext === "" ? definitionFile : definitionFile.slice(0, -ext.length);
  return `${base}.lock`;
}

/** The section of the canonical form a lock becomes (present only when a lock exists). */
export const LOCK_SECTION = "lock";
