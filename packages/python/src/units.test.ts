import { describe, expect, it } from "vitest";
import { expandVars, mergeIndexOptions, readBuilderOptions } from "./builder-options.js";
import { lockedPackages, parseFreeze } from "./freeze.js";
import { normalizeVersion } from "./pep440.js";
import { parsePep508, Pep508SyntaxError } from "./pep508.js";
import { lineRedactor, redactUrl, secretsOf } from "./redact.js";

describe("PEP 508 errors say where", () => {
  it.each([
    ["pandas>>=2", 6],
    ["foo[a b]", 6],
    ["foo (>=1", 4],
    ["foo>=1.0.*", 3],
    ["foo; python_version ~ '3'", 20],
    ["foo; (python_version < '3'", 5],
    ["foo; os_name == 'a\\b'", 16],
  ])("%s fails at offset %d", (text, offset) => {
    try {
      parsePep508(text);
    } catch (e) {
      expect(e).toBeInstanceOf(Pep508SyntaxError);
      expect((e as Pep508SyntaxError).offset).toBe(offset);
      return;
    }
    throw new Error("accepted");
  });
});

describe("PEP 440 normalization", () => {
  it("builds the normal form from explain(), not from clean()", () => {
    expect(normalizeVersion("1.0+local.7")).toBe("1.0+local.7");
    expect(normalizeVersion("1.0+abc.6e8")).toBe("1.0+abc.6e8");
    expect(normalizeVersion("1.0+Ubuntu-01_x")).toBe("1.0+ubuntu.1.x");
    expect(normalizeVersion("v1!01.0.0-Alpha.2.POST3-dev4")).toBe("1!1.0.0a2.post3.dev4");
    expect(normalizeVersion("20240101123456789012.1")).toBe("20240101123456789012.1");
    expect(normalizeVersion("1.0.0", { stripTrailingZeros: true })).toBe("1");
    expect(normalizeVersion("1.0.0rc1+x", { stripTrailingZeros: true })).toBe("1rc1+x");
    expect(normalizeVersion("1.0 junk")).toBeUndefined();
  });
});

describe("pip freeze", () => {
  it("parses pinned, URL and editable lines into a sorted lock with canonical names", () => {
    const lines = parseFreeze("Envforge.Hello==1.0.0\n# Editable install with no version control\n-e git+https://h/r.git@abc#egg=My_Pkg\nweird===x.y\nurlpkg @ https://h/urlpkg-2.0-py3-none-any.whl\npip==23.2.1\n");
    expect(lockedPackages(lines, new Map([["urlpkg", "2.0"], ["my-pkg", "0.1"]]))).toEqual([
      { ecosystem: "pip", name: "envforge-hello", version: "1.0.0" },
      { ecosystem: "pip", name: "my-pkg", version: "0.1", source: "git+https://h/r.git@abc#egg=My_Pkg" },
      { ecosystem: "pip", name: "pip", version: "23.2.1" },
      { ecosystem: "pip", name: "urlpkg", version: "2.0", source: "https://h/urlpkg-2.0-py3-none-any.whl" },
      { ecosystem: "pip", name: "weird", version: "x.y" },
    ]);
  });
});

describe("builder options", () => {
  it("accepts a single string where a list is expected (CLI -o), and refuses wrong types and unknown keys", () => {
    expect(readBuilderOptions({ findLinks: "/w", noIndex: "true" })).toMatchObject({ findLinks: ["/w"], noIndex: true });
    expect(() => readBuilderOptions({ findLinks: [1] })).toThrow(/pip.findLinks must be a string or a list of strings/);
    expect(() => readBuilderOptions({ indexURL: "x" })).toThrow(/pip.indexURL/);
    expect(() => readBuilderOptions({ env: { A: 1 } })).toThrow(/mapping of strings/);
  });

  it("builder options win over a requirements file's index, lists are joined, ${VAR} expands", () => {
    const merged = mergeIndexOptions({ indexUrl: "https://file/simple", extraIndexUrls: ["https://e"], findLinks: ["/a"], trustedHosts: [], noIndex: true }, { indexUrl: "https://opt/simple", findLinks: ["/b", "/a"], noIndex: false });
    expect(merged).toEqual({ indexUrl: "https://opt/simple", extraIndexUrls: ["https://e"], findLinks: ["/b", "/a"], trustedHosts: [], noIndex: false });
    expect(expandVars("https://${USER_X}:${TOKEN}@h/${MISSING}", { USER_X: "u", TOKEN: "t" })).toBe("https://u:t@h/${MISSING}");
  });

  it("redacts URL passwords and secret env values", () => {
    expect(redactUrl("Looking in https://me:pw123@h/simple and git+https://x:y@h/r")).toBe("Looking in https://me:***@h/simple and git+https://x:***@h/r");
    const secrets = secretsOf(["https://tok3nonly@h/simple", "https://u:p4ssword@h"], { PIP_TOKEN: "abcd1234", HOME: "/root" });
    expect(secrets).toEqual(["tok3nonly", "p4ssword", "abcd1234"]);
    expect(lineRedactor(secrets)("tok3nonly abcd1234 /root")).toBe("*** *** /root");
  });
});
