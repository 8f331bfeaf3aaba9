import { describe, expect, it } from "vitest";
import { EnvforgeError } from "@envforge/core/plugin-kit";
import { expandVars, mergeIndexOptions, readBuilderOptions } from "./builder-options.js";
import { lockedPackages, parseFreeze } from "./freeze.js";
import { canonicalOptions, type HashedOption } from "./options.js";
import { normalizeVersion } from "./pep440.js";
import { parsePep508, Pep508SyntaxError } from "./pep508.js";
import { lineRedactor, redactUrl, secretsOf } from "./redact.js";
import { logicalLines, parseRequirementsText } from "./requirements-file.js";
import { versionMatches } from "./interpreter-discovery.js";

describe("requirements file lines", () => {
  it("joins continuations, drops comments and blank lines, and maps offsets back to physical lines", () => {
    const lines = logicalLines("\uFEFF# head\r\nnumpy==1.26.4  # pinned\r\n\r\npandas>=2,\\\n    <3\n  rich\n", "r.txt");
    expect(lines.map((l) => l.text)).toEqual(["numpy==1.26.4", "pandas>=2,    <3", "rich"]);
    expect(lines[1]!.at(0)).toEqual({ file: "r.txt", line: 4, column: 1 });
    expect(lines[1]!.at("pandas>=2,    ".length)).toEqual({ file: "r.txt", line: 5, column: 5 });
    expect(lines[2]!.at(0)).toEqual({ file: "r.txt", line: 6, column: 3 });
  });

  it("keeps a # that does not follow whitespace (URL fragments) and lets a comment line end a continuation", () => {
    const lines = logicalLines("x @ https://h/x.whl#sha256=00\nfoo \\\n# note\nbar\n", "r.txt");
    expect(lines.map((l) => l.text)).toEqual(["x @ https://h/x.whl#sha256=00", "foo", "bar"]);
  });

  it("reads every spelling of an option pip accepts", () => {
    const parsed = parseRequirementsText("-r a.txt\n-rb.txt\n--requirement=c.txt\n--constraint d.txt\n-i https://i/simple\n--no-binary=:all:\n--pre\n", "r.txt");
    expect(parsed.map((l) => (l.kind === "include" ? `${l.constraint ? "c" : "r"}:${l.request}` : l.kind === "requirement" ? l.text : `${l.kind}:${l.name}=${l.value ?? ""}`))).toEqual([
      "r:a.txt",
      "r:b.txt",
      "r:c.txt",
      "c:d.txt",
      "build-option:index-url=https://i/simple",
      "hashed-option:no-binary=:all:",
      "hashed-option:pre=",
    ]);
  });

  it("splits a requirement from its options like pip, quotes included", () => {
    const [line] = parseRequirementsText(`foo >= 1.0; python_version < "3.12" --hash=sha256:aa --config-settings "k=v w"`, "r.txt");
    expect(line).toMatchObject({ kind: "requirement", text: 'foo >= 1.0; python_version < "3.12"', hashes: ["sha256:aa"], configSettings: ["k=v w"] });
    const [editable] = parseRequirementsText("-e git+https://h/r.git@abc#egg=r --hash=sha256:bb", "r.txt");
    expect(editable).toMatchObject({ kind: "requirement", editable: true, text: "git+https://h/r.git@abc#egg=r", hashes: ["sha256:bb"] });
    expect(editable!.location).toEqual({ file: "r.txt", line: 1, column: 4 });
  });

  it("refuses options it does not know, with the list of the ones it does", () => {
    const e = (() => {
      try {
        parseRequirementsText("x==1\n  --frob\n", "r.txt");
      } catch (err) {
        return err as EnvforgeError;
      }
      throw new Error("accepted");
    })();
    expect(e).toMatchObject({ code: "E_INVALID_REQUIREMENT", location: { file: "r.txt", line: 2, column: 3 } });
    expect(e.hint).toContain("--find-links");
    expect(() => parseRequirementsText("-r", "r.txt")).toThrow(/needs a value/);
    expect(() => parseRequirementsText("--pre=1", "r.txt")).toThrow(/takes no value/);
    expect(() => parseRequirementsText("--hash=sha256:aa", "r.txt")).toThrow(/must follow a requirement/);
  });
});

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

describe("install-changing options", () => {
  const o = (name: HashedOption["name"], value?: string): HashedOption => ({ name, value, location: { file: "f", line: 1, column: 1 } });
  it("replays --no-binary/--only-binary like pip and prints the final state", () => {
    expect(canonicalOptions([o("no-binary", "a,B_c"), o("only-binary", "a")])).toEqual(["--no-binary=b-c", "--only-binary=a"]);
    expect(canonicalOptions([o("no-binary", ":all:"), o("only-binary", "x")])).toEqual(["--no-binary=:all:", "--only-binary=x"]);
    expect(canonicalOptions([o("no-binary", "x"), o("no-binary", ":none:")])).toEqual([]);
    expect(canonicalOptions([o("no-binary", ":all:,:none:,y")])).toEqual(["--no-binary=y"]);
    expect(canonicalOptions([o("pre"), o("use-feature", "truststore"), o("pre"), o("prefer-binary")])).toEqual(["--pre", "--prefer-binary", "--use-feature=truststore"]);
    expect(() => canonicalOptions([o("no-binary", "--pre")])).toThrow(/needs a value/);
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

  it("python.version matches by its own precision", () => {
    expect(versionMatches("3.11", "3.11.7")).toBe(true);
    expect(versionMatches("3.11.7", "3.11.7")).toBe(true);
    expect(versionMatches("3.1", "3.11.7")).toBe(false);
    expect(versionMatches("3.12", "3.11.7")).toBe(false);
  });
});
