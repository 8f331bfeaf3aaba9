import { fc, test } from "@fast-check/vitest";
import { beforeAll, describe, expect } from "vitest";
import { parseMatchSpec, prepareMatchSpecs } from "./matchspec.js";

beforeAll(prepareMatchSpecs);

const canon = (s: string) => parseMatchSpec(s).canonical;

const name = fc.constantFrom("numpy", "scikit-learn", "python", "r-base", "jupyter_server", "_libgcc_mutex", "py.test");
const version = fc
  .tuple(fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 4 }), fc.constantFrom("", "a1", "rc2", "post1", "dev0"))
  .map(([segments, suffix]) => `${segments.join(".")}${suffix}`);
const op = fc.constantFrom(">=", ">", "<", "<=", "!=", "==");
const clause = fc.tuple(op, version).map(([o, v]) => `${o}${v}`);
const clauses = fc.array(clause, { minLength: 1, maxLength: 4 });
const randomCase = (s: string, flips: boolean[]) => [...s].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c)).join("");

describe("MatchSpec canonicalization properties", () => {
  test.prop([name, clauses])("is idempotent", (n, cs) => {
    const once = canon(`${n} ${cs.join(",")}`);
    expect(canon(once)).toBe(once);
  });

  test.prop([name, clauses, fc.array(fc.constantFrom("", " ", "  "), { minLength: 8, maxLength: 8 })])(
    "ignores spaces around the version and its operators",
    (n, cs, spaces) => {
      const tight = `${n}${cs.join(",")}`;
      const loose = `${n}${spaces[0]}${cs.map((c, i) => c.replace(/^([<>=!]+)/, `$1${spaces[(i + 1) % 8]}`)).join(`${spaces[5]},${spaces[6]}`)}`;
      expect(canon(loose)).toBe(canon(tight));
    },
  );

  test.prop([name, clauses, fc.func(fc.integer())])("treats the clauses of a version as a set", (n, cs, order) => {
    const shuffled = [...cs, cs[0]!].sort((a, b) => order(a) - order(b) || a.localeCompare(b));
    expect(canon(`${n} ${shuffled.join(",")}`)).toBe(canon(`${n} ${cs.join(",")}`));
  });

  test.prop([name, clauses, fc.array(fc.boolean(), { minLength: 1, maxLength: 5 })])("ignores the case of the name", (n, cs, flips) => {
    expect(canon(`${randomCase(n, flips)}${cs.join(",")}`)).toBe(canon(`${n}${cs.join(",")}`));
  });

  test.prop([name, version])("reads name=V as name V.* (conda's fuzzy match)", (n, v) => {
    const fuzzy = canon(`${n}=${v}`);
    expect(canon(`${n} ${v}.*`)).toBe(fuzzy);
    expect(canon(`${n}[version='${v}.*']`)).toBe(fuzzy);
    expect(canon(`${n}==${v}`)).not.toBe(fuzzy);
  });

  test.prop([name, op, fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 3 })])(
    "ignores trailing zero segments where conda compares versions",
    (n, o, segments, zeros) => {
      const v = segments.join(".");
      expect(canon(`${n}${o}${v}${".0".repeat(zeros)}`)).toBe(canon(`${n}${o}${v}`));
    },
  );

  test.prop([name, version, version])("tells different exact versions apart", (n, a, b) => {
    fc.pre(canon(`x==${a}`) !== canon(`x==${b}`));
    expect(canon(`${n}==${a}`)).not.toBe(canon(`${n}==${b}`));
    expect(canon(`${n}=${a}`)).not.toBe(canon(`${n}=${b}`));
  });
});
