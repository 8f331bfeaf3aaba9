import { readdir, readFile, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { hashHex, isHash } from "@envforge/core/plugin-kit";

/**
 * Source memos and registration receipts (`v1/sources/`, see core's source-memo.ts) whose hash no
 * longer has an entry for any target: they can only send the quick path to a miss. Returns how
 * many were (or, in a dry run, would be) removed. `collected`: entries this run removed (or, in a
 * dry run, would remove), as `<target>/<hash>`.
 */
export async function pruneSourceMemos(root: string, dryRun: boolean, collected: ReadonlySet<string>): Promise<number> {
  const sources = path.join(root, "sources");
  const targets = await readdir(path.join(root, "entries")).catch(() => [] as string[]);
  const hasEntry = (hash: unknown) =>
    typeof hash === "string" && isHash(hash) && targets.some((t) => !collected.has(`${t}/${hash}`) && existsSync(path.join(root, "entries", t, `${hashHex(hash)}.json`)));
  let removed = 0;
  const files = await readdir(sources, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const file of files) {
    if (!file.isFile() || !file.name.endsWith(".json")) continue;
    const full = path.join(file.parentPath, file.name);
    const hash = await readFile(full, "utf8").then((t) => (JSON.parse(t) as { hash?: unknown }).hash, () => undefined);
    if (hasEntry(hash)) continue;
    if (!dryRun) await rm(full, { force: true });
    removed++;
  }
  return removed;
}
