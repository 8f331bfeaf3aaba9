import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, stringify, type Document, type Node } from "yaml";
import { parseSourceDocument } from "./document.js";
import type { FieldPath } from "./location.js";

/**
 * The locator remembers the walk to the list or mapping it last located in (parsers locate a
 * list's items in turn). Checked against a plain walk from the root for every path, in any order.
 */
function reference(text: string): (path: FieldPath, key?: boolean) => { line: number; column: number } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  return (path, key = false) => {
    const pos = lineCounter.linePos(rangeFromRoot(doc, path, key) ?? 0);
    return { line: pos.line, column: pos.col };
  };
}

function rangeFromRoot(doc: Document.Parsed, path: FieldPath, key: boolean): number | undefined {
  let node: unknown = doc.contents;
  let best = (node as Node | null)?.range?.[0];
  for (let i = 0; i < path.length; i++) {
    const part = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : p.key) === String(part));
      if (!pair) return best;
      const keyNode = pair.key as Node | null;
      if (i === path.length - 1 && key && keyNode?.range) return keyNode.range[0];
      node = pair.value;
      const start = (node as Node | null)?.range?.[0] ?? keyNode?.range?.[0];
      if (start !== undefined) best = start;
    } else if (isSeq(node) && typeof part === "number") {
      const item = node.items[part] as Node | undefined;
      if (!item) return best;
      node = item;
      if (item.range) best = item.range[0];
    } else return best;
  }
  return best;
}

const key = fc.constantFrom("python", "pip", "conda", "steps", "a", "b", "0");
const leaf = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constant(null));
const tree = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("node"), { maxLength: 4 }), fc.dictionary(key, tie("node"), { maxKeys: 4 })),
})).node;
const part = fc.oneof(key, fc.integer({ min: 0, max: 4 }));
const paths = fc.array(fc.tuple(fc.array(part, { maxLength: 4 }), fc.boolean()), { minLength: 1, maxLength: 30 });

describe("the source document's locator", () => {
  test.prop([tree, paths, fc.boolean()])("locates every path as a walk from the root does, in any order", (data, asked, flow) => {
    const text = stringify(data, flow ? { collectionStyle: "flow" } : {});
    const { locator } = parseSourceDocument(text, "env.yaml");
    const expected = reference(text);
    for (const [path, isKey] of asked) expect(locator.locate(path, isKey), JSON.stringify(path)).toMatchObject(expected(path, isKey));
  });

  it("locates a list's items in turn, then a field elsewhere, then the list again", () => {
    const text = ["name: x", "python:", "  pip:", "    - a==1", "    - b==2", "  conda:", "    dependencies: [c]", ""].join("\n");
    const { locator } = parseSourceDocument(text, "env.yaml");
    expect(locator.locate(["python", "pip", 0])).toMatchObject({ line: 4, column: 7 });
    expect(locator.locate(["python", "pip", 1])).toMatchObject({ line: 5, column: 7 });
    expect(locator.locate(["python", "pip", 7])).toMatchObject({ line: 4, column: 5 }); // missing: the list
    expect(locator.locate(["python", "conda", "dependencies", 0])).toMatchObject({ line: 7, column: 20 });
    expect(locator.locate(["python", "pip"], true)).toMatchObject({ line: 3, column: 3 });
    expect(locator.locate(["python", "pip", 1])).toMatchObject({ line: 5, column: 7 });
    expect(locator.locate([])).toMatchObject({ line: 1, column: 1 });
    expect(locator.locate(["nowhere", "deep", 3])).toMatchObject({ line: 1, column: 1 });
  });
});
