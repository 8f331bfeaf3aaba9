import { explain } from "@renovatebot/pep440";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hasLocal, normalizeVersion, type NormalizeOptions } from "./pep440.js";

/** The implementation this replaced (issue #19): the library's explain(), the text for release and local. */
function reference(version: string, options: NormalizeOptions = {}): string | undefined {
  const parts = explain(version);
  const text = /^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)/i.exec(version);
  if (!parts || !text) return undefined;
  const strip = (d: string) => d.replace(/^0+/, "") || "0";
  const epoch = strip(text[1] ?? "0");
  let release = text[2]!.split(".").map(strip);
  if (options.stripTrailingZeros) while (release.length > 1 && release[release.length - 1] === "0") release = release.slice(0, -1);
  for (const n of [parts.pre?.[1], parts.post, parts.dev]) if (typeof n === "number" && !Number.isSafeInteger(n)) return undefined;
  let out = epoch === "0" ? "" : `${epoch}!`;
  out += release.join(".");
  if (parts.pre) out += `${parts.pre[0]}${parts.pre[1]}`;
  if (parts.post !== null && parts.post !== undefined) out += `.post${parts.post}`;
  if (parts.dev !== null && parts.dev !== undefined) out += `.dev${parts.dev}`;
  if (parts.local) {
    const local = /\+([a-z0-9]+(?:[-_.][a-z0-9]+)*)\s*$/i.exec(version)?.[1];
    if (local === undefined) return undefined;
    out += `+${local.toLowerCase().split(/[-_.]/).map((seg) => (/^\d+$/.test(seg) ? strip(seg) : seg)).join(".")}`;
  }
  return out;
}

describe("normalizeVersion", () => {
  const digits = fc.oneof(fc.constantFrom("0", "00", "1", "007", "10", "2024", "99999999999999999999"), fc.nat({ max: 300 }).map(String));
  const sep = fc.constantFrom("", ".", "-", "_");
  const letter = fc.constantFrom("a", "b", "c", "rc", "alpha", "beta", "pre", "preview", "post", "rev", "r", "dev", "A", "RC", "Post", "DEV", "x");
  const piece = fc.oneof(
    fc.tuple(sep, letter, sep, fc.option(digits)).map(([a, l, b, n]) => `${a}${l}${b}${n ?? ""}`),
    digits.map((d) => `-${d}`),
    fc.array(fc.constantFrom("abc", "1", "007", "Ubuntu", "x"), { minLength: 1, maxLength: 3 }).chain((segs) => sep.map((s) => `+${segs.join(s === "" ? "." : s)}`)),
  );
  const version = fc
    .tuple(fc.constantFrom("", "v", "V", " "), fc.option(digits.map((d) => `${d}!`)), fc.array(digits, { minLength: 1, maxLength: 4 }), fc.array(piece, { maxLength: 4 }), fc.constantFrom("", "", " ", ".*", "+"))
    .map(([v, e, rel, rest, tail]) => `${v}${e ?? ""}${rel.join(".")}${rest.join("")}${tail}`);

  it("gives exactly what the library-based reading gave, valid or not", () => {
    fc.assert(
      fc.property(fc.oneof(version, fc.string({ maxLength: 12 })), fc.boolean(), (v, stripTrailingZeros) => {
        expect(normalizeVersion(v, { stripTrailingZeros })).toBe(reference(v, { stripTrailingZeros }));
        expect(hasLocal(v)).toBe(explain(v)?.local != null);
      }),
      { numRuns: 20_000 },
    );
  });

  it("normalizes the spellings PEP 440 names", () => {
    expect(normalizeVersion("1.0ALPHA1")).toBe("1.0a1");
    expect(normalizeVersion("v1.0-1")).toBe("1.0.post1");
    expect(normalizeVersion("1.0.0", { stripTrailingZeros: true })).toBe("1");
    expect(normalizeVersion("01!02.010.post.dev+Abc.007")).toBe("1!2.10.post0.dev0+abc.7");
    expect(normalizeVersion("20240101123456789")).toBe("20240101123456789");
    expect(normalizeVersion("1.0rc99999999999999999999")).toBeUndefined();
    expect(normalizeVersion("1.0 ")).toBeUndefined();
  });
});
