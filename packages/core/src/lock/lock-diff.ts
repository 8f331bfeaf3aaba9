import { normalizeLock } from "./lock-canonical.js";
import type { EnvLock } from "./lock-types.js";

/** One difference between two locks, for `--dry-run`, `--check` and `build --locked`. */
export interface LockChange {
  /** `pip`, `conda`, `spark`, `image`, `python`, `platform`. */
  kind: string;
  name: string;
  from?: string | undefined;
  to?: string | undefined;
}

type Entry = { name: string; text: string };

function entries(lock: EnvLock | undefined): Map<string, Entry> {
  const out = new Map<string, Entry>();
  if (!lock) return out;
  const n = normalizeLock(lock);
  for (const d of n.pip ?? []) out.set(`pip\0${d.name}`, { name: d.name, text: `${d.version} (${d.file} sha256:${d.sha256.slice(0, 12)})` });
  for (const p of n.conda ?? []) out.set(`conda\0${p.subdir}/${p.name}`, { name: p.name, text: `${p.version} ${p.build} (${p.channel}/${p.subdir}/${p.file})` });
  for (const j of n.spark ?? []) {
    const [group, artifact, , classifier] = j.coordinate.split(":");
    const version = j.coordinate.split(":")[2] ?? "";
    out.set(`spark\0${group}:${artifact}${classifier ? `:${classifier}` : ""}`, { name: `${group}:${artifact}`, text: `${version} (sha256:${j.sha256.slice(0, 12)})` });
  }
  if (n.image) out.set("image\0base", { name: n.image.base, text: n.image.digest });
  if (n.python !== undefined) out.set("python\0python", { name: "python", text: n.python });
  out.set("platform\0platform", { name: "platform", text: n.platform });
  return out;
}

/** What moves from `before` to `after`, sorted: changed, added (no `from`) and removed (no `to`) entries. */
export function diffLocks(before: EnvLock | undefined, after: EnvLock): LockChange[] {
  const a = entries(before);
  const b = entries(after);
  const changes: LockChange[] = [];
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const from = a.get(key);
    const to = b.get(key);
    if (from?.text === to?.text) continue;
    changes.push({ kind: key.split("\0")[0]!, name: (to ?? from)!.name, from: from?.text, to: to?.text });
  }
  return changes;
}

/** `pip tinya 1.0.0 → 1.1.0`, `pip tinyc + 1.0`, `spark g:a − 1.0`. */
export function formatLockChange(change: LockChange): string {
  const what = change.kind === change.name ? change.kind : `${change.kind} ${change.name}`;
  if (change.from === undefined) return `${what}: + ${change.to}`;
  if (change.to === undefined) return `${what}: − ${change.from}`;
  return `${what}: ${change.from} → ${change.to}`;
}
