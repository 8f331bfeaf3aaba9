import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parsePep508, parsePlainPep508, parseTokenized, Pep508SyntaxError } from "./pep508.js";

/** The tokenizer's reading of `source`: the requirement, or where and why it refused it. */
function tokenized(source: string): unknown {
  try {
    return parseTokenized(source);
  } catch (cause) {
    if (!(cause instanceof Pep508SyntaxError)) throw cause;
    return { error: cause.message, offset: cause.offset };
  }
}

/** Requirements near the plain form and just outside it: every piece either reads, or must be refused alike. */
const ws = fc.constantFrom("", "", "", "", "", "", " ", " ", "  ", "\t", "\n", "\u00a0");
const name = fc.constantFrom("numpy", "Data_Kit", "a", "py.lib.7u1", "1", "requests2", "arch.whl", "x-", "_x", "a..b", "os_");
const extra = fc.constantFrom("dev", "Security", "a_b", "1", "dev", "x-", "");
const version = fc.constantFrom("1", "1.2", "021.18.2", "1.0-alpha1", "2.0rc1", "1.0.post2", "1.0.dev3", "v1.0", "1!2.0", "1.0a", "1.0-1", "1_0", "99999999999999999999", "1.2", "1.0.*", "1.0+local", "1.", "abc", "");
const op = fc.constantFrom("==", "!=", "<=", ">=", "<", ">", "~=", "==", ">=", "===", "=", "=>", "~");
const clause = fc.tuple(ws, op, ws, version).map(([a, o, b, v]) => `${a}${o}${b}${v}`);
const requirement = fc
  .tuple(
    ws,
    name,
    ws,
    fc.option(fc.array(fc.tuple(ws, extra, ws).map((p) => p.join("")), { minLength: 1, maxLength: 3 }).map((e) => `[${e.join(",")}]`)),
    ws,
    fc.array(clause, { maxLength: 3 }).map((c) => c.join(",")),
    fc.constantFrom("", "", "", "", "", "", ",", " ", "; python_version < '3.12'", ";sys_platform=='linux' and (os_name == \"posix\" or extra == 'A_b')", " ; ", ";", "; python_version <", "; x", "; os_name == 'a' trailing", ")", " @ https://x/y.whl"),
  )
  .map((parts) => parts.map((p) => p ?? "").join(""));

describe("parsePlainPep508 (the one-match reading of a plain requirement)", () => {
  it("reads what it reads exactly as the tokenizer does, clause offsets and marker errors included", () => {
    let plain = 0;
    fc.assert(
      fc.property(requirement, (source) => {
        let fast: unknown;
        try {
          fast = parsePlainPep508(source);
        } catch (cause) {
          if (!(cause instanceof Pep508SyntaxError)) throw cause;
          fast = { error: cause.message, offset: cause.offset };
        }
        if (fast === undefined) return;
        plain++;
        expect(fast).toEqual(tokenized(source));
      }),
      { numRuns: 20000 },
    );
    expect(plain).toBeGreaterThan(500); // the generator reaches the plain form often
  });

  it("reads the common lines and leaves URLs, wildcards and arbitrary equality to the tokenizer", () => {
    for (const s of ["numpy==1.26.4", "Data_Kit[Socks, dev] < 3 , >=1.0-alpha1", "py.lib.7u1==021.18.2", "requests", "x ~= 1.4.2", "x>=1,!=1.5.post1", "x==1 ; python_version < '3.12'"]) {
      expect(parsePlainPep508(s)).toEqual(parseTokenized(s));
    }
    for (const s of ["x==1.0.*", "x==1.0+cpu", "x===1.0", "x @ https://h/x.whl", "x (>=1)", "x==1,"]) {
      expect(parsePlainPep508(s)).toBeUndefined();
      expect(parsePep508(s)).toEqual(parseTokenized(s));
    }
  });
});
