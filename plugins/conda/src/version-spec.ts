import { rattlerSync } from "./rattler.js";

/**
 * The version part of a MatchSpec in canonical form. rattler's `VersionSpec` parses conda's
 * version grammar and prints each constraint canonically (`01.2` → `==1.2`, `1.7*` → `1.7.*`,
 * `1.0A1` → `==1.0a1`); it keeps the order the user wrote, so the clauses of each `,` (and) and `|`
 * (or) group are sorted and deduplicated here: `>=1,<2` and `<2,>=1` are one constraint to conda.
 */
export interface CanonicalVersion {
  /** Canonical text, e.g. `<2,>=1` or `1.18.*`; `*` means any version. */
  text: string;
  /** Every alternative has an upper bound (exact, `1.2.*`, `<`, `<=`, `~=`): see `W_UNPINNED`. */
  pinned: boolean;
}

export class VersionSpecError extends Error {}

/** conda's comparison operators (conda/models/version.py `version_relation_re`); `=` is "starts with". */
export const VERSION_OPERATORS = ["==", "!=", "<=", ">=", "<", ">", "~=", "="] as const;
const OPERATOR_CHARS = /^[=<>!~]+/;

/**
 * The first malformed operator of a version (`===>1`, `=>1`, `<<1`, `>=<1`): each constraint
 * between `,`, `|` and parentheses may start with one of conda's operators, and conda refuses any
 * other run of operator characters. Checked before the version is read, because reading strips
 * `=` signs (`==1.2` is exact, `=1.2` fuzzy) and `===>1` would become `>1`. `index` is the
 * run's offset in `version`.
 */
export function malformedOperator(version: string): { run: string; index: number } | undefined {
  // conda's regular-expression versions (`^1\.[0-9]+$`) have no operators to check.
  if (version.startsWith("^") && version.endsWith("$")) return undefined;
  let start = 0;
  for (let i = 0; i <= version.length; i++) {
    if (i < version.length && !",|()".includes(version[i]!)) continue;
    const run = OPERATOR_CHARS.exec(version.slice(start, i))?.[0];
    if (run !== undefined && !(VERSION_OPERATORS as readonly string[]).includes(run)) return { run, index: start };
    start = i + 1;
  }
  return undefined;
}

type Node = { op: "and" | "or"; children: Node[] } | { op: "leaf"; text: string };

export function canonicalVersion(raw: string): CanonicalVersion {
  const printed = printPlain(raw) ?? printWithRattler(raw);
  const tree = normalize(parseTree(printed));
  return { text: serialize(tree, true), pinned: isPinned(tree) };
}

/**
 * Release numbers only (no leading zeros, at most nine digits a segment, at most eight segments):
 * versions conda and rattler read as the numbers they are, so no WASM call is needed to print or
 * compare them. A call per constraint was most of reading a conda dependency (issue #19).
 */
const PLAIN_NUMBER = String.raw`(?:0|[1-9][0-9]{0,8})(?:\.(?:0|[1-9][0-9]{0,8})){0,7}`;
const PLAIN_CLAUSE = String.raw`(?:(?:==|!=|<=|>=|<|>)${PLAIN_NUMBER}|${PLAIN_NUMBER}\.?\*)`;
const PLAIN_SPEC = new RegExp(String.raw`^${PLAIN_CLAUSE}(?:,${PLAIN_CLAUSE})*$`);
const PLAIN_VERSION = new RegExp(`^${PLAIN_NUMBER}$`);

/**
 * What rattler prints for a plain constraint list (comparisons of plain versions, `1.2*` and
 * `1.2.*`): the same text, with `1.2*` written `1.2.*`; for a lone plain version, `==` and it;
 * `undefined` for anything else.
 * version-spec.test.ts compares this with rattler on generated constraints.
 */
export function printPlain(raw: string): string | undefined {
  // A lone version is exact: rattler's lenient reading (after the strict one refuses it) adds `==`.
  if (PLAIN_VERSION.test(raw)) return `==${raw}`;
  if (!PLAIN_SPEC.test(raw)) return undefined;
  return raw.includes("*") ? raw.replace(/([0-9])\*/g, "$1.*") : raw;
}

export function printWithRattler(raw: string): string {
  const { VersionSpec } = rattlerSync();
  let strictError: unknown;
  for (const strictness of ["strict", "lenient"] as const) {
    let spec: InstanceType<typeof VersionSpec> | undefined;
    try {
      spec = new VersionSpec(raw, strictness);
      return spec.toString();
    } catch (cause) {
      strictError ??= cause;
    } finally {
      spec?.free();
    }
  }
  // rattler's parser errors span several lines (a caret diagram); the first line says what failed.
  let message = (strictError instanceof Error ? strictError.message : String(strictError)).split("\n")[0]!.trim();
  // The parser's position trace ("0: at line 1, in Tag:") says nothing a user can act on.
  if (/^\d+: at line/.test(message)) message = "it is not a version or a version constraint";
  throw new VersionSpecError(`invalid version "${raw}": ${message}`);
}

/** Parses rattler's printed form: `|` binds looser than `,`; parentheses group. */
function parseTree(text: string): Node {
  let pos = 0;
  const expr = (): Node => {
    const children = [term()];
    while (text[pos] === "|") {
      pos++;
      children.push(term());
    }
    return children.length === 1 ? children[0]! : { op: "or", children };
  };
  const term = (): Node => {
    const children = [factor()];
    while (text[pos] === ",") {
      pos++;
      children.push(factor());
    }
    return children.length === 1 ? children[0]! : { op: "and", children };
  };
  const factor = (): Node => {
    if (text[pos] === "(") {
      pos++;
      const inner = expr();
      if (text[pos] !== ")") throw new VersionSpecError(`unbalanced parentheses in version "${text}"`);
      pos++;
      return inner;
    }
    const start = pos;
    while (pos < text.length && !"|,()".includes(text[pos]!)) pos++;
    if (pos === start) throw new VersionSpecError(`empty constraint in version "${text}"`);
    return { op: "leaf", text: text.slice(start, pos) };
  };
  const tree = expr();
  if (pos !== text.length) throw new VersionSpecError(`unexpected "${text.slice(pos)}" in version "${text}"`);
  return tree;
}

/** Flattens nested groups of the same operator, then sorts and deduplicates each group. */
function normalize(node: Node): Node {
  if (node.op === "leaf") return { op: "leaf", text: dropTrailingZeros(node.text) };
  const flat: Node[] = [];
  for (const child of node.children.map(normalize)) {
    if (child.op === node.op) flat.push(...(child as { children: Node[] }).children);
    else flat.push(child);
  }
  const unique = new Map<string, Node>();
  for (const child of flat) unique.set(serialize(child, false), child);
  const children = [...unique.keys()].sort().map((key) => unique.get(key)!);
  // `*` and-ed with anything adds nothing; or-ed with anything it allows everything.
  if (children.length > 1 && unique.has("*")) {
    return node.op === "or" ? { op: "leaf", text: "*" } : normalize({ op: "and", children: children.filter((c) => !(c.op === "leaf" && c.text === "*")) });
  }
  return children.length === 1 ? children[0]! : { op: node.op, children };
}

const COMPARISON = /^(==|!=|<=|>=|<|>)(.+)$/;

/**
 * conda compares versions with trailing zero segments padded (`1.26` = `1.26.0`), so for the
 * comparison operators they carry no meaning and are dropped. Not for `1.26.*` (starts-with is
 * literal about segments) nor `~=` (the segment count sets the upper bound). rattler confirms
 * each step, so nothing is dropped that it would not itself call equal.
 */
function dropTrailingZeros(text: string): string {
  const m = COMPARISON.exec(text);
  if (!m || m[2]!.endsWith("*")) return text;
  const [op, full] = [m[1]!, m[2]!];
  const plus = full.indexOf("+");
  let version = plus === -1 ? full : full.slice(0, plus);
  const local = plus === -1 ? "" : full.slice(plus);
  // Plain release numbers compare padded with zeros (1.2.0 = 1.2): every trailing zero goes, as
  // rattler would confirm one by one.
  if (local === "" && PLAIN_VERSION.test(version)) return `${op}${dropPlainZeros(version)}`;
  const { Version } = rattlerSync();
  while (/[._]0$/.test(version)) {
    const shorter = version.slice(0, -2);
    if (!/[0-9]$/.test(shorter) || !sameVersion(Version, `${version}${local}`, `${shorter}${local}`)) break;
    version = shorter;
  }
  return `${op}${version}${local}`;
}

/** `1.2.0.0` → `1.2`, `0.0` → `0`: trailing zero segments of a plain version, the first kept. */
export function dropPlainZeros(version: string): string {
  return version.replace(/(?<=.)(?:\.0)+$/, "");
}

export function sameVersion(V: ReturnType<typeof rattlerSync>["Version"], a: string, b: string): boolean {
  const x = new V(a);
  const y = new V(b);
  try {
    return x.equals(y);
  } finally {
    x.free();
    y.free();
  }
}

function serialize(node: Node, top: boolean): string {
  if (node.op === "leaf") return node.text;
  if (node.op === "or") {
    const text = node.children.map((c) => serialize(c, false)).join("|");
    return top ? text : `(${text})`;
  }
  return node.children.map((c) => serialize(c, false)).join(",");
}

const UPPER_BOUND = /^(==|<=|<|~=)/;

function isPinned(node: Node): boolean {
  if (node.op !== "leaf") return node.op === "or" ? node.children.every(isPinned) : node.children.some(isPinned);
  if (node.text === "*") return false;
  if (UPPER_BOUND.test(node.text)) return true;
  // `1.2.*` (starts with) bounds from above; `!=`, `>` and `>=` do not.
  return !/^(!=|>=|>)/.test(node.text);
}
