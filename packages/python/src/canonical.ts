import { sortedSet } from "@envforge/core/plugin-kit";
import { normalizeVersion } from "./pep440.js";
import type { MarkerItem, MarkerList, MarkerVar, Pep508Requirement, SpecifierClause } from "./pep508.js";

const CANONICAL_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** PEP 503: lowercase, runs of `-`, `_` and `.` become one `-`. Also PEP 685 for extras. */
export function canonicalName(name: string): string {
  // Most names are written canonical already, and one is canonicalized several times per parse:
  // a test allocates nothing where lowercasing and replacing make two strings.
  if (CANONICAL_NAME.test(name)) return name;
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** Byte order (code unit) comparison, so a set sorts the same on every machine and locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A set in code-unit order (the order `compareText` gives). Core's sortedSet: a radix sort on long
 * lists, where a comparison sort of 400 requirement lines was most of the time of hashing them.
 */
export function sortedUnique(items: Iterable<string>): string[] {
  return sortedSet(items);
}

/**
 * One specifier clause in canonical form: the version normalized per PEP 440. Trailing `.0`
 * segments are dropped where they cannot matter (every operator but `~=`, whose last segment sets
 * the upper bound); wildcard prefixes keep every segment (`==1.0.*` is not `==1.*`); `===` compares
 * strings, so it is kept as written.
 */
export function canonicalSpecifier(clause: Pick<SpecifierClause, "operator" | "version">): string | undefined {
  const { operator, version } = clause;
  if (operator === "===") return version === "" ? undefined : `===${version}`;
  if (version.endsWith(".*")) {
    const prefix = normalizeVersion(version.slice(0, -2));
    return prefix === undefined ? undefined : `${operator}${prefix}.*`;
  }
  const normalized = normalizeVersion(version, { stripTrailingZeros: operator !== "~=" });
  return normalized === undefined ? undefined : `${operator}${normalized}`;
}

/**
 * A marker with consistent spacing and quoting (`python_version < "3.12"`), the extra names in
 * `extra == "..."` normalized, and redundant parentheses dropped — the form `packaging` prints,
 * except that nested parentheses keep their grouping (packaging drops them, which can change the
 * meaning of `a and ((b or c))`).
 */
export function formatMarker(marker: MarkerList): string {
  return formatMarkerNode(normalizeExtras(marker), true);
}

function formatMarkerNode(node: MarkerList | MarkerItem | "and" | "or", top: boolean): string {
  if (node === "and" || node === "or") return node;
  if (!Array.isArray(node)) return `${formatVar(node.lhs)} ${node.op} ${formatVar(node.rhs)}`;
  if (node.length === 1) return formatMarkerNode(node[0]!, top);
  const inner = node.map((n) => formatMarkerNode(n, false)).join(" ");
  return top ? inner : `(${inner})`;
}

function formatVar(v: MarkerVar): string {
  if (v.kind === "variable") return v.name;
  // Double quotes unless the value itself holds one (marker strings have no escapes).
  return v.value.includes('"') ? `'${v.value}'` : `"${v.value}"`;
}

/** `extra == "Foo_Bar"` names an extra, and extra names compare per PEP 685. */
function normalizeExtras(marker: MarkerList): MarkerList {
  return marker.map((node) => {
    if (node === "and" || node === "or") return node;
    if (Array.isArray(node)) return normalizeExtras(node);
    const isExtra = (v: MarkerVar) => v.kind === "variable" && v.name === "extra";
    const norm = (v: MarkerVar): MarkerVar => (v.kind === "value" ? { kind: "value", value: canonicalName(v.value) } : v);
    if (isExtra(node.lhs)) return { ...node, rhs: norm(node.rhs) };
    if (isExtra(node.rhs)) return { ...node, lhs: norm(node.lhs) };
    return node;
  });
}

export class CanonicalizeError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * The canonical string of a parsed requirement (`name`: its PEP 503 name, when the caller has it
 * already): PEP 503 name, sorted extras, sorted clauses,
 * normalized marker; URLs as written. It is itself a valid requirement pip installs, in the layout
 * `packaging` prints (`name[a,b]<2,>=1; marker`, `name @ url ; marker`).
 */
export function formatRequirement(req: Pep508Requirement, name = canonicalName(req.name), clausesOut?: string[]): string {
  // Pieces joined once: a flat string, where `+=` makes a rope every later reader (the set's
  // sort, the canonical JSON) would have to flatten first.
  const out = [name];
  if (req.extras.length > 0) {
    const extras = sortedUnique(req.extras.map(canonicalName));
    out.push(`[${extras.join(",")}]`);
  }
  // The caller's list gets each clause's canonical text, in the order written (pip's pin check reads them).
  const clauses = clausesOut ?? [];
  const first = clauses.length;
  for (const c of req.specifiers) {
    const s = canonicalSpecifier(c);
    if (s === undefined) throw new CanonicalizeError(`"${c.operator}${c.version}" is not a valid PEP 440 version clause`, c.start);
    clauses.push(s);
  }
  // Most requirements have one clause or none: nothing to sort.
  const count = clauses.length - first;
  const specifiers = count === 0 ? [] : count === 1 ? [clauses[first]!] : sortedUnique(clauses.slice(first));
  out.push(specifiers.join(","));
  if (req.url !== undefined) out.push(` @ ${req.url}${req.marker ? " " : ""}`);
  // After `===` (arbitrary equality) the version runs to the next space, so the marker needs one.
  const arbitrary = req.url === undefined && (specifiers.at(-1)?.startsWith("===") ?? false);
  if (req.marker) out.push(`${arbitrary ? " " : ""}; ${formatMarker(req.marker)}`);
  return out.join("");
}
