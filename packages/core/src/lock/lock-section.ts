import { existsSync } from "node:fs";
import path from "node:path";
import type { EngineHooks } from "../hooks.js";
import type { InputLimits } from "../policy/limits.js";
import { readTextFile, resolveReference } from "../definition/loader.js";
import type { LoadedSpec } from "../definition/spec.js";
import { canonicalLock } from "./lock-canonical.js";
import { LOCK_SECTION, lockPathFor } from "./lock-path.js";
import { parseLockText } from "./lock-read.js";
import type { EnvLock } from "./lock-types.js";

const TAP = "envforge:lock";

/**
 * The lock beside a definition file, read like any file the definition references: confined to
 * the definition's folder (a lock that links outside is refused), bounded, and recorded in
 * `loaded.files` so the source memo checks its bytes. `undefined` when there is none, or when the
 * definition did not come from a file (an object or a text has no "beside").
 */
export async function readLockBeside(
  loaded: LoadedSpec,
  options: { limits: InputLimits; allowFilesOutsideRoot: boolean },
): Promise<EnvLock | undefined> {
  if (loaded.digest === undefined) return undefined;
  const lockFile = lockPathFor(loaded.file);
  if (lockFile === loaded.file) return undefined; // a definition named `x.lock` is not its own lock
  // One stat on the main thread: most definitions have no lock, and a promise through the thread
  // pool took ~20x as long to say so, on every parse of a definition file (issue #19).
  if (!existsSync(lockFile)) return undefined;
  const at = { file: lockFile, line: 1, column: 1 };
  const request = path.basename(lockFile);
  const absolutePath = await resolveReference(request, loaded.dir, loaded.dir, options.allowFilesOutsideRoot, at, LOCK_SECTION);
  const { text, digest } = await readTextFile(absolutePath, options.limits, at, LOCK_SECTION);
  loaded.files.push({ field: LOCK_SECTION, request, absolutePath, content: text, digest });
  return parseLockText(text, absolutePath);
}

/** Core's canonicalizer of the `lock` section (HASH.md, "The lock"). */
export function applyLockSection(hooks: EngineHooks): void {
  hooks.canonicalizeSection.for(LOCK_SECTION).tap(TAP, (parsed) => canonicalLock(parsed as EnvLock));
}
