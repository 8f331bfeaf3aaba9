import { existsSync } from "node:fs";
import { createError, lockPathFor } from "@envforge/core/plugin-kit";
import type { Workspace } from "@envforge/workspace";

/**
 * `build --locked`: a definition must have a lock. Whether the lock still satisfies it is checked
 * by the builders on every build from a lock (a stale one is always E_LOCK_MISMATCH naming the
 * requirement); this refuses the definition without one, which would otherwise resolve afresh.
 */
export async function requireLock(workspace: Workspace, ref: string): Promise<void> {
  const resolved = await workspace.resolve(ref);
  if (resolved.kind !== "file") {
    throw createError("E_LOCK_MISMATCH", `--locked: ${ref} is not a definition file, and only a file has a lock beside it`, {
      hint: "build the definition file itself (its lock is FILE.lock beside it)",
    });
  }
  const lockFile = lockPathFor(resolved.path);
  if (!existsSync(lockFile)) {
    throw createError("E_LOCK_MISMATCH", `--locked: ${ref} has no lock (${lockFile})`, {
      hint: `write it first: envforge lock ${ref}`,
    });
  }
}
