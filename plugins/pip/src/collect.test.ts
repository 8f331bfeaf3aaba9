import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PipCollector, PLAIN_ITEM } from "./collect.js";
import { logicalLines, parseLine } from "./requirements-file.js";

const origin = { file: "/defs/env.yaml", line: 7, column: 7 };

/** Items built from the characters that change how a line is read: spaces, options, comments, quotes, breaks. */
const item = fc
  .array(
    fc.constantFrom("numpy", "Data_Kit", "a", "1", ".", "-", "_", "==1.2", ">=1", "<2", ",", "[x,y]", "; ", "python_version < '3.12'", " ", "  ", "\t", "-e", " -r x", " --hash=sha256:ab", "#", " #c", "\\", "\n", "\r", "\u00a0", "\uFEFF", "'", '"', "@", "/", "$", "~=", "*"),
    { minLength: 1, maxLength: 8 },
  )
  .map((parts) => parts.join(""));

describe("PLAIN_ITEM (the inline items collect.ts reads without the general line reader)", () => {
  it("matches only items the general reader reads as one requirement of the whole text, with no options", () => {
    fc.assert(
      fc.property(item, (text) => {
        if (!PLAIN_ITEM.test(text)) return;
        const lines = logicalLines(text, origin.file, origin).flatMap(parseLine);
        expect(lines).toHaveLength(1);
        const line = lines[0]!;
        expect(line.kind).toBe("requirement");
        if (line.kind !== "requirement") return;
        expect(line).toMatchObject({ text, editable: false, hashes: [], configSettings: [], location: origin });
        expect(line.at(3)).toEqual(origin);
      }),
      { numRuns: 3000 },
    );
  });

  it("reads a plain item and the same item through the general reader alike", () => {
    const read = (text: string, viaLines: boolean) => {
      const collector = new PipCollector(() => Promise.reject(new Error("no includes here")), () => undefined);
      // A trailing comment sends the same requirement through logicalLines and parseLine.
      void collector.add({ text: viaLines ? `${text} # general reader` : text, file: origin.file, baseDir: "/defs", field: "python.pip[0]", origin });
      return collector.parsed.requirements;
    };
    for (const text of ["numpy==1.26.4", "Data_Kit[Socks,dev] < 3 , >=1.0-alpha1 ; python_version < '3.12'", "py.lib.7u1==021.18.2", "requests", "x>=1,!=1.5.post1", "arch.whl"]) {
      expect(PLAIN_ITEM.test(text)).toBe(true);
      expect(read(text, false)).toEqual(read(text, true));
    }
  });

  it("leaves options, comments, continuations and leading or trailing space to the general reader", () => {
    for (const text of ["-e git+https://x/y.git", "numpy --hash=sha256:ab", "numpy # pinned later", "numpy \\", " numpy", "numpy ", "\uFEFFnumpy", "numpy\nscipy", "numpy\u00a0"]) {
      expect(PLAIN_ITEM.test(text)).toBe(false);
    }
  });
});
