import { normalizeVersion } from "@envforge/python";

/** What is read of one item of pip's installation report (`pip install --report`, format 1). */
interface ReportItem {
  is_direct?: boolean;
  metadata?: { name?: string; version?: string };
  download_info?: { dir_info?: { editable?: boolean } };
}

/**
 * `pip freeze --all` of a venv that pip filled from empty (venv-seed.ts), read from the report of
 * that one install instead of a second pip process (about a third of a small build). Only when
 * freeze would print each distribution as `name==version` exactly as the report names it: nothing
 * installed from a URL, a path or in editable mode (freeze prints those from `direct_url.json`),
 * names pip's older metadata backend would not rewrite (it prints `safe_name`: `a_b` as `a-b`),
 * versions already in PEP 440's normal form. Anything else is `undefined`: run freeze.
 */
export function freezeFromReport(text: string): string | undefined {
  let items: ReportItem[];
  try {
    const report = JSON.parse(text) as { version?: string; install?: ReportItem[] };
    if (report.version !== "1" || !Array.isArray(report.install)) return undefined;
    items = report.install;
  } catch {
    return undefined;
  }
  const lines: Array<{ name: string; line: string }> = [];
  for (const item of items) {
    const name = item.metadata?.name;
    const version = item.metadata?.version;
    if (item.is_direct !== false || item.download_info?.dir_info !== undefined) return undefined;
    if (name === undefined || version === undefined) return undefined;
    if (name !== name.replace(/[^A-Za-z0-9.]+/g, "-") || normalizeVersion(version) !== version) return undefined;
    lines.push({ name, line: `${name}==${version}` });
  }
  // freeze's order: by name, lowercased.
  lines.sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : 0));
  return lines.map((l) => `${l.line}\n`).join("");
}
