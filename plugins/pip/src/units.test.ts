import { describe, expect, it } from "vitest";
import type { EnvforgeError } from "@envforge/core/plugin-kit";
import { canonicalOptions, type HashedOption } from "./options.js";
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

describe("interpreter versions", () => {
  it("python.version matches by its own precision", () => {
    expect(versionMatches("3.11", "3.11.7")).toBe(true);
    expect(versionMatches("3.11.7", "3.11.7")).toBe(true);
    expect(versionMatches("3.1", "3.11.7")).toBe(false);
    expect(versionMatches("3.12", "3.11.7")).toBe(false);
  });
});
