import { stringify } from "yaml";
import { normalizeLock } from "./lock-canonical.js";
import type { EnvLock } from "./lock-types.js";

const HEADER = "# Written by `envforge lock`: every package this definition resolves to (LOCK.md). Do not edit.\n";

/**
 * The lock's text: YAML with keys in a fixed order and every list sorted (normalizeLock), one
 * entry per line group, so that two resolutions of the same set write the same bytes and a diff
 * shows just the packages that moved.
 */
export function formatLock(lock: EnvLock): string {
  const n = normalizeLock(lock);
  const ordered: Record<string, unknown> = { version: 1 };
  if (n.python !== undefined) ordered.python = n.python;
  ordered.platform = n.platform;
  if (n.image) ordered.image = { base: n.image.base, digest: n.image.digest };
  if (n.pip) ordered.pip = n.pip.map((d) => ({ name: d.name, version: d.version, file: d.file, sha256: d.sha256 }));
  if (n.conda) {
    ordered.conda = n.conda.map((p) => ({
      name: p.name, version: p.version, build: p.build, channel: p.channel, subdir: p.subdir, file: p.file,
      ...(p.sha256 !== undefined ? { sha256: p.sha256 } : {}),
      ...(p.md5 !== undefined ? { md5: p.md5 } : {}),
    }));
  }
  if (n.spark) ordered.spark = n.spark.map((j) => ({ coordinate: j.coordinate, file: j.file, sha256: j.sha256 }));
  // Versions and the python version quoted: `3.10` must not become the number 3.1.
  return HEADER + stringify(ordered, { lineWidth: 0, defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" });
}
