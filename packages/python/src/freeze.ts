import type { LockedPackage } from "@envforge/core/plugin-kit";
import { canonicalName } from "./canonical.js";

export interface FrozenLine {
  name: string;
  version?: string | undefined;
  /** Where it came from, for URL and VCS installs. */
  source?: string | undefined;
}

/**
 * Parses `pip freeze --all`: `name==1.0`, `name===weird`, `name @ url`, and editable VCS lines
 * (`-e git+https://...@<commit>#egg=name`). Comments (pip explains editables it cannot describe)
 * are skipped.
 */
export function parseFreeze(text: string): FrozenLine[] {
  const out: FrozenLine[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    let m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*===?\s*(\S+)$/.exec(line);
    if (m) {
      out.push({ name: canonicalName(m[1]!), version: m[2]! });
      continue;
    }
    m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*@\s*(\S+)/.exec(line);
    if (m) {
      out.push({ name: canonicalName(m[1]!), source: m[2]! });
      continue;
    }
    m = /^-e\s+(\S+)/.exec(line);
    if (m) {
      const egg = /#(?:.*&)?egg=([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(m[1]!)?.[1];
      if (egg) out.push({ name: canonicalName(egg), source: m[1]! });
    }
  }
  return out;
}

/** Lock entries from freeze lines; versions freeze leaves out (URL installs) come from `versions`. */
export function lockedPackages(lines: readonly FrozenLine[], versions: ReadonlyMap<string, string> = new Map()): LockedPackage[] {
  return lines
    .map((l) => ({
      ecosystem: "pip",
      name: l.name,
      version: l.version ?? versions.get(l.name) ?? "",
      ...(l.source ? { source: l.source } : {}),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
