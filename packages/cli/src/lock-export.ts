import type { EnvLock } from "@envforge/core/plugin-kit";

/**
 * A lock's pip part as a requirements file pip installs exactly (`--require-hashes` mode is
 * implied by the `--hash` lines): `name==version --hash=sha256:…`, sorted by name.
 */
export function requirementsWithHashes(lock: EnvLock): string {
  const lines = [...(lock.pip ?? [])]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((d) => `${d.name}==${d.version} \\\n    --hash=sha256:${d.sha256}`);
  return `# from envforge's lock (Python ${lock.python ?? "any"}, ${lock.platform}); install with: pip install --no-deps -r FILE\n${lines.join("\n")}\n`;
}
