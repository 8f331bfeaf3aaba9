import { fc, test } from "@fast-check/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareMatchSpecs } from "./matchspec.js";
import { rattlerSync } from "./rattler.js";
import { dropPlainZeros, printPlain, printWithRattler, sameVersion } from "./version-spec.js";

beforeAll(prepareMatchSpecs);

const segment = fc.oneof(fc.constantFrom("0", "1", "10", "007", "999999999", "1000000000", "99999999999999999999"), fc.nat({ max: 40 }).map(String));
const number = fc.array(segment, { minLength: 1, maxLength: 10 }).map((s) => s.join("."));
const clause = fc
  .tuple(fc.constantFrom("", "==", "!=", "<=", ">=", "<", ">", "=", "~=", "==="), number, fc.constantFrom("", "", "", "*", ".*", "a1", ".post1", "+cpu", "_0"))
  .map(([op, n, tail]) => `${op}${n}${tail}`);
const spec = fc.array(clause, { minLength: 1, maxLength: 4 }).chain((cs) => fc.constantFrom(",", "|", ", ").map((sep) => cs.join(sep)));

describe("plain version constraints (read without rattler)", () => {
  let plainSeen = 0;
  afterAll(() => expect(plainSeen).toBeGreaterThan(50)); // the generator reaches the plain form

  test.prop([spec], { numRuns: 3000 })("print as rattler prints them", (raw) => {
    const plain = printPlain(raw);
    if (plain === undefined) return;
    plainSeen++;
    expect(plain).toBe(printWithRattler(raw));
  });

  test.prop([number], { numRuns: 3000 })("lose exactly the trailing zeros rattler calls equal", (version) => {
    if (printPlain(`==${version}`) === undefined) return;
    // rattler's reading, one zero segment at a time (dropTrailingZeros without the plain shortcut).
    let expected = version;
    while (/\.0$/.test(expected) && sameVersion(rattlerSync().Version, expected, expected.slice(0, -2))) expected = expected.slice(0, -2);
    expect(dropPlainZeros(version)).toBe(expected);
  });

  it("covers the usual spellings", () => {
    for (const raw of ["1.2", "0", "1.10.0", ">=28.7,<38", "23.19*", "23.19.*", "==22.6.6", "!=1.0", "0*", ">=1.2.0,<2"]) expect(printPlain(raw)).toBe(printWithRattler(raw));
    for (const raw of ["1.2,>=1", "01.2", ">=1.2a1", "1.2|1.3", ">=1.*", "1.2.*,>1 ", "~=1.2"]) expect(printPlain(raw)).toBeUndefined();
  });
});
