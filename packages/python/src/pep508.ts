/**
 * A PEP 508 dependency specifier parser. It follows the grammar as Python's `packaging` (the
 * reference pip uses) implements it, token for token, so that what it accepts and refuses agrees
 * with pip; `packaging-compat.test.ts` checks that against the `packaging` on this machine.
 * Positions are offsets into the source so callers can turn them into file:line:column.
 */

export interface MarkerVariable {
  kind: "variable";
  name: string;
}
export interface MarkerValue {
  kind: "value";
  value: string;
}
export type MarkerVar = MarkerVariable | MarkerValue;
export interface MarkerItem {
  kind: "item";
  lhs: MarkerVar;
  op: string;
  rhs: MarkerVar;
}
/** A marker expression as written: atoms and `and`/`or`, nested lists for parentheses. */
export type MarkerList = Array<MarkerItem | MarkerList | "and" | "or">;

export interface SpecifierClause {
  operator: string;
  /** As written, without surrounding whitespace. */
  version: string;
  start: number;
}

export interface Pep508Requirement {
  name: string;
  extras: string[];
  specifiers: SpecifierClause[];
  url?: string | undefined;
  marker?: MarkerList | undefined;
}

export class Pep508SyntaxError extends Error {
  constructor(
    message: string,
    /** Offset in the source where the problem starts. */
    readonly offset: number,
  ) {
    super(message);
    this.name = "Pep508SyntaxError";
  }
}

// The release/pre/post/dev/local grammar, shared by the specifier operators (packaging's regex).
const PRE = String.raw`(?:[-_.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?`;
const POST = String.raw`(?:(?:-[0-9]+)|(?:[-_.]?(?:post|rev|r)[-_.]?[0-9]*))?`;
const DEV = String.raw`(?:[-_.]?dev[-_.]?[0-9]*)?`;
const LOCAL = String.raw`(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?`;
const EPOCH_RELEASE = String.raw`v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*`;
/** `~=` needs two release segments at least. */
const COMPATIBLE_RELEASE = String.raw`v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)+`;
const SPECIFIER_SOURCE = [
  // `===` takes an arbitrary string, commas included (packaging then splits the text on commas).
  String.raw`===\s*[^\s;)]*`,
  String.raw`(?:==|!=)\s*${EPOCH_RELEASE}(?:\.\*|${PRE}${POST}${DEV}${LOCAL})`,
  String.raw`~=\s*${COMPATIBLE_RELEASE}${PRE}${POST}${DEV}`,
  String.raw`(?:<=|>=|<|>)\s*${EPOCH_RELEASE}${PRE}${POST}${DEV}`,
].join("|");

const RULES = {
  WS: /[ \t]+/y,
  IDENTIFIER: /\b[a-zA-Z0-9][a-zA-Z0-9._-]*\b/y,
  SPECIFIER: new RegExp(`(?:${SPECIFIER_SOURCE})`, "iy"),
  SPECIFIER_FULL: new RegExp(`^\\s*(?:${SPECIFIER_SOURCE})\\s*$`, "i"),
  VERSION_PREFIX_TRAIL: /\.\*/y,
  VERSION_LOCAL_LABEL_TRAIL: /\+[a-z0-9]+(?:[-_.][a-z0-9]+)*/y,
  URL: /[^ \t]+/y,
  QUOTED_STRING: /'[^']*'|"[^"]*"/y,
  OP: /===|==|~=|!=|<=|>=|<|>/y,
  BOOLOP: /\b(?:or|and)\b/y,
  IN: /\bin\b/y,
  NOT: /\bnot\b/y,
  VARIABLE:
    /\b(?:python_version|python_full_version|os[._]name|sys[._]platform|platform_(?:release|system)|platform[._](?:version|machine|python_implementation)|python_implementation|implementation_(?:name|version)|extras?|dependency_groups)\b/y,
} as const;

class Tokenizer {
  position = 0;
  constructor(readonly source: string) {}

  peek(rule: RegExp): string | undefined {
    rule.lastIndex = this.position;
    const m = rule.exec(this.source);
    return m ? m[0] : undefined;
  }
  /** Reads the token if it is next. */
  take(rule: RegExp): string | undefined {
    const text = this.peek(rule);
    if (text !== undefined) this.position += text.length;
    return text;
  }
  char(c: string): boolean {
    if (this.source[this.position] !== c) return false;
    this.position += 1;
    return true;
  }
  ws(): void {
    this.take(RULES.WS);
  }
  atEnd(): boolean {
    return this.position >= this.source.length;
  }
  expect(rule: RegExp, expected: string): string {
    const text = this.take(rule);
    if (text === undefined) this.fail(`expected ${expected}`);
    return text;
  }
  fail(message: string, offset = this.position): never {
    throw new Pep508SyntaxError(message, offset);
  }
}

/**
 * PEP 508 names start and end with a letter or digit. `packaging` lets a trailing `_` or `.`
 * through, but the PEP 503 form of such a name (`os_` → `os-`) is no longer a requirement pip can
 * read, so it is refused here, where the user can see where it is.
 */
const STRICT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

function checkName(t: Tokenizer, name: string, start: number, what: string): void {
  if (!STRICT_NAME.test(name)) t.fail(`a ${what} must start and end with a letter or digit ("${name}")`, start);
}

/**
 * The common requirement, read in one match: a name, extras, comma-separated clauses without
 * `===`, `.*` or a local label (no URL, no parentheses), spaces and tabs between, then the end or
 * a `;` and a marker, which the tokenizer reads from there as it would. The grammar's own pieces,
 * so each clause ends where the tokenizer's SPECIFIER match would: a version is a run without
 * spaces, commas or an end, and both read the whole run or fail. Anything else, valid or not,
 * goes to the tokenizer, which gives the same result for these (pep508.test.ts compares the two
 * on generated requirements).
 */
const PLAIN_NAME = "[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?";
const PLAIN_CLAUSE = String.raw`(?:(?:==|!=|<=|>=|<|>)[ \t]*${EPOCH_RELEASE}${PRE}${POST}${DEV}|~=[ \t]*${COMPATIBLE_RELEASE}${PRE}${POST}${DEV})`;
const PLAIN = new RegExp(
  String.raw`^[ \t]*(${PLAIN_NAME})[ \t]*(?:\[[ \t]*(${PLAIN_NAME}(?:[ \t]*,[ \t]*${PLAIN_NAME})*)[ \t]*\][ \t]*)?(${PLAIN_CLAUSE}(?:[ \t]*,[ \t]*${PLAIN_CLAUSE})*)?[ \t]*(?:;|$)`,
  "i",
);

/** `parsePep508` of a plain requirement (see PLAIN), or `undefined` for any other text. */
export function parsePlainPep508(source: string): Pep508Requirement | undefined {
  const m = PLAIN.exec(source);
  if (m === null) return undefined;
  const extrasText = m[2];
  const extras = extrasText === undefined ? [] : extrasText.split(",").map((e) => e.trim());
  const clausesText = m[3];
  const specifiers: SpecifierClause[] = [];
  if (clausesText !== undefined) {
    // Nothing before the clauses holds an operator character: the first one starts them.
    let at = source.indexOf(clausesText);
    for (const part of clausesText.split(",")) {
      let i = 0;
      while (part[i] === " " || part[i] === "\t") i++;
      const c0 = part[i]!;
      const c1 = part[i + 1];
      const length = c1 === "=" && c0 !== "=" ? 2 : c0 === "=" ? 2 : c0 === "~" ? 2 : 1;
      specifiers.push({ operator: part.slice(i, i + length), version: part.slice(i + length).trim(), start: at + i });
      at += part.length + 1;
    }
  }
  const out: Pep508Requirement = { name: m[1]!, extras, specifiers };
  const end = m[0].length;
  if (end > 0 && source.charCodeAt(end - 1) === 59 /* ; */) {
    // The marker, by the tokenizer's own rules from where it would read it (after the `;`).
    const t = new Tokenizer(source);
    t.position = end;
    out.marker = parseMarkerExpr(t);
    t.ws();
    if (!t.atEnd()) t.fail("expected the end of the requirement");
  }
  return out;
}

/** Parses one PEP 508 requirement; throws `Pep508SyntaxError` with the offset of the problem. */
export function parsePep508(source: string): Pep508Requirement {
  return parsePlainPep508(source) ?? parseTokenized(source);
}

/** The whole grammar, token by token: what `parsePep508` does for anything but a plain requirement. */
export function parseTokenized(source: string): Pep508Requirement {
  const t = new Tokenizer(source);
  t.ws();
  const nameStart = t.position;
  const name = t.expect(RULES.IDENTIFIER, "a package name at the start of the requirement");
  checkName(t, name, nameStart, "package name");
  t.ws();
  const extras = parseExtras(t);
  t.ws();
  const out: Pep508Requirement = { name, extras, specifiers: [] };
  if (t.char("@")) {
    t.ws();
    out.url = t.expect(RULES.URL, "a URL after @");
    if (!t.atEnd()) {
      if (t.take(RULES.WS) === undefined) t.fail("expected whitespace after the URL");
      if (!t.atEnd()) out.marker = parseRequirementMarker(t, "a semicolon (after URL and whitespace)");
    }
  } else {
    const start = t.position;
    out.specifiers = parseSpecifier(t);
    t.ws();
    if (!t.atEnd()) {
      const expected =
        out.specifiers.length > 0 || t.position > start
          ? "a comma (within version specifier) or a semicolon (after version specifier)"
          : "a version specifier such as ==1.2 or >=1,<2, or a semicolon (before a marker)";
      out.marker = parseRequirementMarker(t, expected);
    }
  }
  if (!t.atEnd()) t.fail("expected the end of the requirement");
  return out;
}

function parseRequirementMarker(t: Tokenizer, expected: string): MarkerList {
  if (!t.char(";")) t.fail(`expected ${expected} or the end`);
  const marker = parseMarkerExpr(t);
  t.ws();
  return marker;
}

function parseExtras(t: Tokenizer): string[] {
  const open = t.position;
  if (!t.char("[")) return [];
  t.ws();
  const extras: string[] = [];
  const firstStart = t.position;
  const first = t.take(RULES.IDENTIFIER);
  if (first !== undefined) {
    checkName(t, first, firstStart, "extra name");
    extras.push(first);
    for (;;) {
      t.ws();
      if (t.peek(RULES.IDENTIFIER) !== undefined) t.fail("expected a comma between extra names");
      if (!t.char(",")) break;
      t.ws();
      const start = t.position;
      const extra = t.expect(RULES.IDENTIFIER, "an extra name after the comma");
      checkName(t, extra, start, "extra name");
      extras.push(extra);
    }
  }
  t.ws();
  if (!t.char("]")) t.fail("expected ] to close the extras opened here", open);
  return extras;
}

function parseSpecifier(t: Tokenizer): SpecifierClause[] {
  const open = t.position;
  const paren = t.char("(");
  t.ws();
  const clauses: SpecifierClause[] = [];
  for (;;) {
    const start = t.position;
    const text = t.take(RULES.SPECIFIER);
    if (text === undefined) break;
    if (t.peek(RULES.VERSION_PREFIX_TRAIL) !== undefined) t.fail("a .* suffix is only allowed with == and !=", start);
    if (t.peek(RULES.VERSION_LOCAL_LABEL_TRAIL) !== undefined) {
      t.fail("a local version label (+...) is only allowed with == and !=", start);
    }
    const operator = /^(===|==|~=|!=|<=|>=|<|>)/.exec(text)![1]!;
    // packaging splits the specifier text on commas, so an arbitrary `===` version swallows
    // any clauses glued to it (`===1.0,>=2`), and each of those must be a valid clause itself.
    const [first, ...glued] = text.slice(operator.length).split(",");
    clauses.push({ operator, version: first!.trim(), start });
    for (const part of glued) {
      if (part.trim() === "") continue;
      if (!RULES.SPECIFIER_FULL.test(part)) t.fail(`"${part.trim()}" is not a version specifier`, start);
      const op = /^\s*(===|==|~=|!=|<=|>=|<|>)/.exec(part)![1]!;
      clauses.push({ operator: op, version: part.trim().slice(op.length).trim(), start });
    }
    t.ws();
    if (!t.char(",")) break;
    t.ws();
  }
  t.ws();
  if (paren && !t.char(")")) t.fail("expected ) to close the version specifier opened here", open);
  return clauses;
}

function parseMarkerExpr(t: Tokenizer): MarkerList {
  const expression: MarkerList = [parseMarkerAtom(t)];
  for (;;) {
    const op = t.take(RULES.BOOLOP);
    if (op === undefined) break;
    expression.push(op as "and" | "or", parseMarkerAtom(t));
  }
  return expression;
}

function parseMarkerAtom(t: Tokenizer): MarkerItem | MarkerList {
  t.ws();
  let atom: MarkerItem | MarkerList;
  const open = t.position;
  if (t.char("(")) {
    t.ws();
    atom = parseMarkerExpr(t);
    t.ws();
    if (!t.char(")")) t.fail("expected ) to close the marker expression opened here", open);
  } else {
    atom = parseMarkerItem(t);
  }
  t.ws();
  return atom;
}

function parseMarkerItem(t: Tokenizer): MarkerItem {
  t.ws();
  const lhs = parseMarkerVar(t);
  t.ws();
  const op = parseMarkerOp(t);
  t.ws();
  const rhs = parseMarkerVar(t);
  t.ws();
  return { kind: "item", lhs, op, rhs };
}

function parseMarkerVar(t: Tokenizer): MarkerVar {
  const variable = t.take(RULES.VARIABLE);
  if (variable !== undefined) {
    const name = variable.replace(".", "_");
    return { kind: "variable", name: name === "python_implementation" ? "platform_python_implementation" : name };
  }
  const start = t.position;
  const quoted = t.take(RULES.QUOTED_STRING);
  if (quoted !== undefined) {
    // packaging evaluates the literal with Python's rules; escapes are the one place those differ
    // from "the text between the quotes", and no real marker needs them.
    if (quoted.includes("\\")) t.fail("backslashes are not supported in marker strings", start);
    return { kind: "value", value: quoted.slice(1, -1) };
  }
  return t.fail("expected a marker variable (such as python_version) or a quoted string");
}

function parseMarkerOp(t: Tokenizer): string {
  if (t.take(RULES.IN) !== undefined) return "in";
  if (t.take(RULES.NOT) !== undefined) {
    if (t.take(RULES.WS) === undefined) t.fail("expected whitespace after 'not'");
    t.expect(RULES.IN, "'in' after 'not'");
    return "not in";
  }
  const op = t.take(RULES.OP);
  if (op === undefined) t.fail("expected a marker operator: one of <=, <, !=, ==, >=, >, ~=, ===, in, not in");
  return op;
}
