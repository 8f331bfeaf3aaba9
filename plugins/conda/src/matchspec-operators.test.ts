import { fc, test } from "@fast-check/vitest";
import { beforeAll, describe, expect, it } from "vitest";
import { MatchSpecError, parseMatchSpec, prepareMatchSpecs } from "./matchspec.js";
import { malformedOperator, VERSION_OPERATORS } from "./version-spec.js";

beforeAll(prepareMatchSpecs);

const VALID = new Set<string>(VERSION_OPERATORS);
const name = fc.constantFrom("numpy", "scikit-learn", "r-base", "py.test");
const version = fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 2, maxLength: 3 }).map((s) => s.join("."));
const operatorRun = fc.array(fc.constantFrom("=", "<", ">", "!", "~"), { minLength: 1, maxLength: 4 }).map((cs) => cs.join(""));
/** Where the operator goes: first clause, after a space, a later clause of `,` or `|`, in brackets. */
const placement = fc.constantFrom(
  (n: string, op: string, v: string) => `${n}${op}${v}`,
  (n: string, op: string, v: string) => `${n} ${op}${v}`,
  (n: string, op: string, v: string) => `${n} >=0.1,${op}${v}`,
  (n: string, op: string, v: string) => `${n} <0.1|${op}${v}`,
  (n: string, op: string, v: string) => `conda-forge::${n} ${op}${v}`,
  (n: string, op: string, v: string) => `${n}[version='>=0.1,${op}${v}']`,
);

function refusal(spec: string): MatchSpecError {
  try {
    parseMatchSpec(spec);
  } catch (e) {
    if (e instanceof MatchSpecError) return e;
    throw e;
  }
  throw new Error(`expected "${spec}" to be refused`);
}

describe("MatchSpec operators: conda's set, nothing else", () => {
  test.prop([name, operatorRun, version, placement])(
    "a run of operator characters that is not one of conda's operators is refused, pointing at the run",
    (n, op, v, place) => {
      const spec = place(n, op, v);
      if (VALID.has(op)) {
        // `=` inside a later clause is conda's "starts with"; every valid operator parses.
        expect(() => parseMatchSpec(spec)).not.toThrow();
        return;
      }
      const error = refusal(spec);
      expect(error.message).toContain(`invalid operator "${op}"`);
      expect(error.offset).toBeDefined();
      expect(spec.slice(error.offset)).toMatch(new RegExp(`^${op.replace(/[|\\{}()[\]^$+*?.]/g, "\\$&")}`));
      expect(error.hint).toContain("numpy>=1.18,<2");
    },
  );

  test.prop([fc.string({ unit: fc.constantFrom("=", "<", ">", "!", "~", "1", ".", ",", "|", "*", "(", ")") })])(
    "the check looks at the start of every constraint",
    (text) => {
      const bad = malformedOperator(text);
      const constraints = text.split(/[,|()]/);
      const runs = constraints.map((c) => /^[=<>!~]+/.exec(c)?.[0]).filter((r): r is string => r !== undefined);
      expect(bad === undefined).toBe(runs.every((r) => VALID.has(r)));
      if (bad) expect(text.slice(bad.index).startsWith(bad.run)).toBe(true);
    },
  );

  it("numpy===>1 is refused, no longer read as numpy >1", () => {
    const error = refusal("numpy===>1");
    expect(error.message).toBe('invalid operator "===>" in "numpy===>1" (at character 6)');
    for (const spec of ["numpy=>1", "numpy==>1", "numpy<<1", "numpy>=<1", "numpy ===1.2", "numpy<>1", "numpy!1.2", "numpy~1.2"]) {
      expect(() => parseMatchSpec(spec), spec).toThrow(MatchSpecError);
    }
  });

  it("the valid forms canonicalize as before", () => {
    expect(parseMatchSpec("numpy>=1.18,<2").canonical).toBe("numpy <2,>=1.18");
    expect(parseMatchSpec("numpy=1.26").canonical).toBe("numpy 1.26.*");
    expect(parseMatchSpec("numpy==1.26.4").canonical).toBe("numpy ==1.26.4");
    expect(parseMatchSpec("numpy ~=1.10.1").canonical).toBe("numpy ~=1.10.1");
    expect(parseMatchSpec("numpy !=1.7").canonical).toBe("numpy !=1.7");
    expect(parseMatchSpec("numpy 1.6|1.7").canonical).toBe("numpy ==1.6|==1.7");
    expect(parseMatchSpec("numpy==1.26.4=py312h_0").canonical).toBe(parseMatchSpec("numpy 1.26.4 py312h_0").canonical);
  });
});
