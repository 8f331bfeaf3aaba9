import type { LockedPackage } from "@envforge/core/plugin-kit";

/**
 * Reads conda's explicit spec of a built prefix into lock entries: one package URL per line,
 * optionally followed by `#<md5>` or `#sha256:<hex>` (`pip freeze` is read by `@envforge/python`).
 */
export interface ExplicitPackage extends LockedPackage {
  ecosystem: "conda";
  build: string;
  md5?: string | undefined;
}

const PACKAGE_FILE = /^(.+)-([^-]+)-([^-]+)\.(tar\.bz2|conda)$/;

export function parseExplicit(text: string): ExplicitPackage[] {
  const out: ExplicitPackage[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("@")) continue;
    const [url, fragment] = line.split("#", 2) as [string, string | undefined];
    const file = decodeURIComponent(url.slice(url.lastIndexOf("/") + 1));
    const m = PACKAGE_FILE.exec(file);
    if (!m) continue; // not a package line (tools add comments and headers of their own)
    const pkg: ExplicitPackage = { ecosystem: "conda", name: m[1]!, version: m[2]!, build: m[3]!, source: url };
    if (fragment) {
      const hash = fragment.replace(/^sha256:/, "");
      if (/^[0-9a-f]{64}$/i.test(hash)) pkg.sha256 = hash.toLowerCase();
      else if (/^[0-9a-f]{32}$/i.test(hash)) pkg.md5 = hash.toLowerCase();
    }
    out.push(pkg);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
