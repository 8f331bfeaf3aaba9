import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalName, CanonicalizeError, formatRequirement } from "./canonical.js";
import { normalizeVersion } from "./pep440.js";
import { parsePep508, Pep508SyntaxError } from "./pep508.js";

/**
 * Checks the PEP 508 parser and the canonical forms against Python's `packaging` (the library pip
 * itself uses), on many generated requirements: both must accept and refuse the same strings, and
 * for accepted ones our canonical string must equal the one computed from packaging's parse
 * (canonicalize_name, PEP 440 versions, specifier clauses as packaging compares them, str(marker)).
 */

const ORACLE = String.raw`
import json, sys
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, canonicalize_version
from packaging.version import Version, InvalidVersion
from packaging._parser import Variable, Value

# Markers are printed from packaging's parse tree by the rules formatMarker documents: packaging's
# spacing and quoting, extra names normalized at every depth (packaging only does the top level,
# though its evaluation treats extras per PEP 685 everywhere), and nested parentheses keeping
# their grouping (packaging's str() drops them, changing "a and ((b or c))" into "a and b or c").
def fmt_var(v):
    if isinstance(v, Variable):
        return v.value
    return "'" + v.value + "'" if '"' in v.value else '"' + v.value + '"'

def fmt(m, top=True):
    if isinstance(m, str):
        return m
    if isinstance(m, tuple):
        lhs, op, rhs = m
        if isinstance(lhs, Variable) and lhs.value == "extra":
            rhs = Value(canonicalize_name(rhs.value))
        elif isinstance(rhs, Variable) and rhs.value == "extra":
            lhs = Value(canonicalize_name(lhs.value))
        return fmt_var(lhs) + " " + op.value + " " + fmt_var(rhs)
    if len(m) == 1:
        return fmt(m[0], top)
    inner = " ".join(fmt(x, False) for x in m)
    return inner if top else "(" + inner + ")"

def spec(s):
    op, v = s.operator, s.version
    if op == "===":
        return op + v
    if v.endswith(".*"):
        return op + str(Version(v[:-2])) + ".*"
    return op + canonicalize_version(v, strip_trailing_zero=(op != "~="))

def canon(r):
    out = canonicalize_name(r.name)
    extras = sorted({canonicalize_name(e) for e in r.extras})
    if extras:
        out += "[" + ",".join(extras) + "]"
    out += ",".join(sorted({spec(s) for s in r.specifier}))
    if r.url:
        out += " @ " + r.url + (" " if r.marker else "")
    if r.marker:
        out += "; " + fmt(r.marker._markers)
    return out

data = json.load(sys.stdin)
out = {"requirements": [], "names": [], "versions": []}
for text in data["requirements"]:
    try:
        r = Requirement(text)
        empty_arbitrary = any(s.operator == "===" and s.version == "" for s in r.specifier)
        out["requirements"].append({"ok": True, "canonical": canon(r), "emptyArbitrary": empty_arbitrary})
    except ValueError as e:
        out["requirements"].append({"ok": False, "error": str(e).splitlines()[0]})
for name in data["names"]:
    out["names"].append(canonicalize_name(name))
for v in data["versions"]:
    try:
        out["versions"].append([str(Version(v)), canonicalize_version(v)])
    except InvalidVersion:
        out["versions"].append(None)
print(json.dumps(out))
`;

interface OracleAnswer {
  requirements: Array<{ ok: true; canonical: string; emptyArbitrary: boolean } | { ok: false; error: string }>;
  names: string[];
  versions: Array<[string, string] | null>;
}

function askPackaging(input: { requirements: string[]; names: string[]; versions: string[] }): OracleAnswer | undefined {
  const r = spawnSync("python3", ["-c", ORACLE], { input: JSON.stringify(input), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) return undefined;
  return JSON.parse(r.stdout) as OracleAnswer;
}

const probe = spawnSync("python3", ["-c", "import packaging.requirements"], { encoding: "utf8" });
const hasPackaging = probe.status === 0;
if (!hasPackaging && process.env.CI === "true") throw new Error("python3 with the `packaging` module is required in CI");
if (!hasPackaging) console.warn("skipping packaging comparison: python3 with `packaging` is not installed");

// --- generators: the grammar's pieces, with the spellings people actually use ---
const ws = fc.constantFrom("", "", " ", "  ", "\t");
const word = fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,8}[A-Za-z0-9])?$/);
const num = fc.oneof(fc.nat(20).map(String), fc.constantFrom("0", "00", "007", "10", "2024", "20240101"));
const release = fc.array(num, { minLength: 1, maxLength: 4 }).map((xs) => xs.join("."));
const sep = fc.constantFrom("", ".", "-", "_");
const pre = fc.tuple(sep, fc.constantFrom("a", "b", "c", "rc", "alpha", "beta", "pre", "preview", "RC", "Alpha"), sep, fc.oneof(fc.constant(""), num)).map((p) => p.join(""));
const post = fc.oneof(fc.tuple(fc.constant("-"), num).map((p) => p.join("")), fc.tuple(sep, fc.constantFrom("post", "rev", "r"), sep, fc.oneof(fc.constant(""), num)).map((p) => p.join("")));
const dev = fc.tuple(sep, fc.constantFrom("dev", "DEV"), sep, fc.oneof(fc.constant(""), num)).map((p) => p.join(""));
const local = fc.array(fc.stringMatching(/^[A-Za-z0-9]{1,4}$/), { minLength: 1, maxLength: 3 }).chain((segs) =>
  fc.array(fc.constantFrom(".", "-", "_"), { minLength: segs.length - 1, maxLength: segs.length - 1 }).map((seps) => `+${segs.map((s, i) => (i === 0 ? s : `${seps[i - 1]}${s}`)).join("")}`),
);
const opt = <T>(a: fc.Arbitrary<T>) => fc.oneof(fc.constant(""), a.map(String));
const version = fc
  .tuple(fc.constantFrom("", "", "v", "V"), fc.constantFrom("", "", "1!", "02!"), release, opt(pre), opt(post), opt(dev), fc.oneof({ weight: 4, arbitrary: fc.constant("") }, { weight: 1, arbitrary: local }))
  .map((p) => p.join(""));
const clause = fc.oneof(
  fc.tuple(fc.constantFrom("==", "!=", "<=", ">=", "<", ">", "~="), ws, version).map((p) => p.join("")),
  fc.tuple(fc.constantFrom("==", "!="), ws, release).map(([o, w, r]) => `${o}${w}${r}.*`),
  fc.tuple(ws, fc.stringMatching(/^[A-Za-z0-9.+_-]{1,8}$/)).map(([w, v]) => `===${w}${v}`),
);
const specifier = fc.tuple(fc.array(fc.tuple(ws, clause, ws), { minLength: 1, maxLength: 3 }), fc.boolean(), fc.boolean()).map(([cs, paren, trailing]) => {
  const body = cs.map(([a, c, b]) => `${a}${c}${b}`).join(",") + (trailing ? "," : "");
  return paren ? `(${body})` : body;
});
const variable = fc.constantFrom("python_version", "python_full_version", "os_name", "os.name", "sys_platform", "sys.platform", "platform_release", "platform_system", "platform_version", "platform.machine", "platform_python_implementation", "python_implementation", "implementation_name", "implementation_version", "extra");
const quoted = fc.tuple(fc.constantFrom("'", '"'), fc.stringMatching(/^[A-Za-z0-9 ._*-]{0,6}$/)).map(([q, v]) => `${q}${v}${q}`);
const markerOp = fc.constantFrom("<", "<=", "==", "!=", ">=", ">", "~=", "===", "in", "not in");
const item = fc.tuple(ws, variable, ws, markerOp, ws, quoted, ws, fc.boolean()).map(([a, v, b, op, c, q, d, flip]) => (flip ? `${a}${q}${b} ${op} ${c}${v}${d}` : `${a}${v}${b}${op === "in" || op === "not in" ? ` ${op} ` : op}${c}${q}${d}`));
const { marker } = fc.letrec((tie) => ({
  marker: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    item,
    fc.tuple(tie("marker"), fc.constantFrom(" and ", " or ", " and  ", "\tor "), tie("marker")).map(([a, op, b]) => `${a as string}${op}${b as string}`),
    fc.tuple(ws, tie("marker"), ws).map(([a, m, b]) => `(${a}${m as string}${b})`),
  ),
}));
const extras = fc.array(fc.tuple(ws, word, ws), { maxLength: 3 }).map((xs) => `[${xs.map((x) => x.join("")).join(",")}]`);
const url = fc.constantFrom("https://example.org/pkg-1.0-py3-none-any.whl", "git+https://github.com/a/b.git@v1.0#egg=b", "https://h/x.tar.gz#sha256=abc");
const requirement = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(ws, word, ws, opt(extras), ws, opt(specifier), ws, opt(marker.map((m) => `;${m}`))).map((p) => p.join("")) },
  { weight: 1, arbitrary: fc.tuple(word, opt(extras), fc.constantFrom(" @ ", "@", " @"), url, opt(marker.map((m) => ` ;${m}`))).map((p) => p.join("")) },
);
// Likely-invalid variants: one grammar character inserted or one character deleted.
const mutated = fc.tuple(requirement, fc.nat(), fc.constantFrom("", "=", "<", ",", ";", "[", "]", "(", ")", "@", "'", " ", "!", "*", "+", "~", "-", ".")).map(([r, n, c]) => {
  const i = n % (r.length + 1);
  return c === "" ? r.slice(0, i) + r.slice(i + 1) : r.slice(0, i) + c + r.slice(i);
});

const HANDWRITTEN = [
  "numpy", "Scikit_Learn==1.4.2", "pandas >= 2.0 , < 3", "torch==2.1.0-alpha1", "requests[socks,Security]==2.31.0",
  "rich==13.7.1; python_version < '3.12'", "name @ https://x/y.whl ; python_version<'3'", "foo(>=1.0)", "foo[]", "foo>=1.0,",
  "a; (python_version<'3' and os.name=='nt') or extra=='Foo_Bar'", "x==1.0.*", "x~=1.4.0", "x>=1.0.0", "x===foo", "x==v01.02+Ubuntu-1",
  "pandas>>=2", "rich=13.7.1", "foo-", "foo_", "foo[a b]", "foo>=1.0.*", "foo>=1+local", "foo @", "foo;", "foo; python_version",
  "foo==1.0a-1", "foo==1.0.post-1", "foo == 1.0 ; 'linux' in sys_platform", "foo; python_version not in '2.7 3.4'",
  "foo @ https://x ;python_version<'3'", "foo@https://x", "foo ( )", "foo[a,]", "foo[,a]", "foo;python_version<'3'and os_name=='x'",
];

describe.skipIf(!hasPackaging)("agrees with Python's packaging (the library pip uses)", () => {
  const seed = Number(process.env.PIP_COMPAT_SEED ?? 20260601);
  const generated = [...fc.sample(requirement, { numRuns: 2500, seed }), ...fc.sample(mutated, { numRuns: 2500, seed: seed + 1 })];
  const requirements = [...HANDWRITTEN, ...generated];
  const names = [...fc.sample(fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,12}[A-Za-z0-9])?$/), { numRuns: 500, seed }), "Scikit_Learn", "a..b__c", "Oslo.Concurrency"];
  const versions = [...fc.sample(version, { numRuns: 2000, seed }), "1.0+local.7", "1.0.0-alpha1", "01.2", "1.0-1", "20240101123456789012.1", "1.0.0.0"];
  const answer = askPackaging({ requirements, names, versions });

  it("the oracle ran", () => expect(answer, "python3 -c <oracle> failed").toBeDefined());

  it(`requirements: same verdict and same canonical form (seed ${seed})`, () => {
    const mismatches: string[] = [];
    let accepted = 0;
    requirements.forEach((text, i) => {
      const expected = answer!.requirements[i]!;
      let ours: { ok: true; canonical: string } | { ok: false; error: string };
      try {
        ours = { ok: true, canonical: formatRequirement(parsePep508(text)) };
      } catch (e) {
        if (!(e instanceof Pep508SyntaxError || e instanceof CanonicalizeError)) throw e;
        ours = { ok: false, error: e.message };
      }
      // By design we refuse `===` with nothing after it (packaging accepts it; pip cannot install it).
      if (expected.ok && expected.emptyArbitrary && !ours.ok) return;
      // By design we refuse names and extras ending in `_`/`.`/`-` (packaging's grammar lets them
      // through; their PEP 503 form `foo-` is not a name pip can read back).
      if (expected.ok && !ours.ok && ours.error.includes("must start and end with a letter or digit")) return;
      if (expected.ok) accepted++;
      if (expected.ok !== ours.ok) mismatches.push(`${JSON.stringify(text)}: packaging ${expected.ok ? "accepts" : `refuses (${expected.error})`}, we ${ours.ok ? "accept" : `refuse (${ours.error})`}`);
      // By design a marker after `===` gets a space before `;` (the arbitrary version runs to the
      // next space in older pip); otherwise the forms are identical.
      else if (expected.ok && ours.ok && expected.canonical !== (ours.canonical.includes(" @ ") ? ours.canonical : ours.canonical.replace(/(===[^ ;,]*) ; /, "$1; "))) mismatches.push(`${JSON.stringify(text)}: packaging ${JSON.stringify(expected.canonical)}, we ${JSON.stringify(ours.canonical)}`);
    });
    expect(mismatches.slice(0, 20)).toEqual([]);
    // The generators must exercise both sides, or the comparison proves little.
    expect(accepted).toBeGreaterThan(1500);
    expect(requirements.length - accepted).toBeGreaterThan(800);
  });

  it("names: PEP 503 canonicalization equals canonicalize_name", () => {
    expect(names.map(canonicalName)).toEqual(answer!.names);
  });

  it("versions: PEP 440 normalization equals Version() and canonicalize_version()", () => {
    const ours = versions.map((v) => {
      const plain = normalizeVersion(v);
      return plain === undefined ? null : [plain, normalizeVersion(v, { stripTrailingZeros: true })];
    });
    expect(ours).toEqual(answer!.versions);
  });
});
