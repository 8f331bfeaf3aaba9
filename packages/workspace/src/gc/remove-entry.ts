import path from "node:path";
import { createError, isInside, type CacheKey } from "@envforge/core/plugin-kit";
import type { Discarder, GcItem } from "./gc.js";
import { gcItemOf, imageOf, remove } from "./gc.js";
import { scanCache } from "./scan.js";

export interface RemoveEntryOptions {
  /** Every generation of the key, not only the current entry. */
  allGenerations?: boolean | undefined;
  /** Report what would be removed; delete nothing. */
  dryRun?: boolean | undefined;
  /** As gc's: removes what the entry made outside the cache folder (its image). */
  discard?: Discarder | undefined;
}

export interface RemoveEntryReport {
  dryRun: boolean;
  removed: GcItem[];
  /** A build or a running command holds the key: nothing of it was removed. */
  inUse: GcItem[];
  discarded: string[];
  discardFailed: { artifact: string; message: string }[];
  freedBytes: number;
}

/**
 * `envforge cache rm REF --target T`: the current entry of one key and its artifact (with
 * `allGenerations`, every generation kept), each under the key's build lock as gc removes. The
 * replaced generations stay unless asked: a later build of the key makes a new generation.
 * E_NOT_FOUND when the key has nothing to remove.
 */
export async function removeEntry(cacheDir: string, key: CacheKey, options: RemoveEntryOptions = {}): Promise<RemoveEntryReport> {
  const root = path.join(path.resolve(cacheDir), "v1");
  const units = await scanCache(root);
  const ofKey = units.filter((u) => u.target === key.target && u.hash === key.hash);
  const chosen = ofKey.filter((u) => u.kind === "entry" || (options.allGenerations && u.kind === "generation"));
  if (chosen.length === 0) {
    const kept = ofKey.filter((u) => u.kind === "generation").map((u) => u.generation);
    throw createError("E_NOT_FOUND", `no cache entry for ${key.target} ${key.hash}${kept.length > 0 ? ` (only replaced generations: ${kept.join(", ")})` : ""}`, {
      hint: kept.length > 0 ? "--all-generations removes them too" : "envforge cache ls lists what is cached",
    });
  }
  const others = units.filter((u) => !chosen.includes(u));
  const keptPaths = new Set(others.flatMap((u) => [...u.paths, u.artifact?.path ?? ""]));
  const keptImages = new Set(others.map(imageOf).filter((r) => r !== undefined));
  const report: RemoveEntryReport = { dryRun: options.dryRun ?? false, removed: [], inUse: [], discarded: [], discardFailed: [], freedBytes: 0 };
  for (const unit of chosen) {
    const item = gcItemOf(unit, unit.kind === "generation" ? "replaced" : "unreachable", keptPaths);
    const external = unit.artifact?.path !== undefined && isInside(root, unit.artifact.path) ? undefined : (unit.artifact?.reference ?? unit.artifact?.path);
    const image = imageOf(unit);
    const shared = image !== undefined && keptImages.has(image);
    const discard = shared || !unit.target || !options.discard?.covers(unit.target) ? undefined : options.discard;
    if (options.dryRun) {
      report.removed.push(item);
      if (external && discard) report.discarded.push(external);
      continue;
    }
    const removed = await remove(unit, item.paths, root, discard);
    if (!removed) {
      report.inUse.push(item);
      continue;
    }
    report.removed.push(item);
    report.freedBytes += unit.bytes;
    if (external && removed.failed) report.discardFailed.push({ artifact: external, message: removed.failed });
    else if (external && removed.discarded) report.discarded.push(external);
  }
  return report;
}
