import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { createError } from "../errors/factories.js";
import type { FieldPath, Locator, SourceLocation } from "./location.js";

/** A YAML or JSON document with a locator for error positions. */
export interface SourceDocument {
  data: unknown;
  locator: Locator;
}

/**
 * Parses YAML or JSON (JSON is YAML 1.2) keeping node positions, so that any error about any field
 * can name the line and column where the user wrote it. Duplicate keys are errors: silently
 * keeping the last of two `pip:` lists would hash something the user did not mean.
 */
export function parseSourceDocument(text: string, file: string): SourceDocument {
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    // logLevel "error": the library must not print warnings from inside an embedded engine.
    doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, logLevel: "error" });
  } catch (cause) {
    throw createError("E_INVALID_YAML", `cannot parse ${file}: ${(cause as Error).message}`, {
      location: { file, line: 1, column: 1 },
      hint: "check the file is valid YAML or JSON",
    });
  }
  const first = doc.errors[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    throw createError("E_INVALID_YAML", `invalid YAML: ${firstLine(first.message)}`, {
      location: { file, line: pos.line, column: pos.col },
      hint:
        first.code === "DUPLICATE_KEY"
          ? "each key may appear once in a mapping; merge the two entries"
          : "check indentation, quoting and that every list item starts with '- '",
    });
  }
  // Parsers locate the items of one list in turn (python.pip[0], [1]…): the walk to the list is
  // remembered and reused while the path leads through it.
  let parentPath: FieldPath | undefined;
  let parent: Walked | undefined;
  const locate = (path: FieldPath, key = false): SourceLocation => {
    const root = doc.contents;
    const last = path.length - 1;
    let range: number | undefined;
    if (last < 1) range = walk(root, (root as Node | null)?.range?.[0], path, 0, key).best;
    else {
      if (parent === undefined || parentPath === undefined || !samePrefix(parentPath, path, last)) {
        parentPath = path.slice(0, last);
        parent = walk(root, (root as Node | null)?.range?.[0], parentPath, 0, false);
      }
      range = parent.missing ? parent.best : walk(parent.node, parent.best, path, last, key).best;
    }
    const pos = lineCounter.linePos(range ?? 0);
    return { file, line: pos.line, column: pos.col };
  };
  // A list, mapping or binary as a key (`? [a, b]: c`) has no JSON form: the yaml library would
  // stringify it. A definition has plain keys only.
  const collectionKey = firstCollectionKey(doc.contents);
  if (collectionKey) {
    const pos = lineCounter.linePos(collectionKey.range?.[0] ?? 0);
    throw createError("E_INVALID_YAML", "a list, mapping or binary value is used as a key", {
      location: { file, line: pos.line, column: pos.col },
      hint: "keys are plain names such as `python:` or `pip:`",
    });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    throw createError("E_INVALID_YAML", `cannot read ${file}: ${(cause as Error).message}`, {
      location: { file, line: 1, column: 1 },
      hint: "YAML aliases are limited to 100 to bound the document's expanded size",
    });
  }
  return { data: data ?? {}, locator: { file, locate } };
}

/**
 * The first key, in document order, that is not a plain scalar. A walk of its own: the library's
 * `visit` builds a frozen path per node, a tenth of reading a definition (issue #19).
 */
function firstCollectionKey(node: unknown): Node | undefined {
  if (isPair(node)) {
    const key = node.key;
    // A scalar can hold an object too: `!!binary` gives bytes.
    if (key !== null && (!isScalar(key) || (typeof key.value === "object" && key.value !== null))) return key as Node;
    return firstCollectionKey(node.value);
  }
  if (isMap(node) || isSeq(node)) {
    const items = node.items as unknown[];
    for (let i = 0; i < items.length; i++) {
      const found = firstCollectionKey(items[i]);
      if (found) return found;
    }
  }
  return undefined;
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}

interface Walked {
  /** Where the walk ended. */
  node: unknown;
  /** Offset of the deepest node on the path that exists (so a missing field points at its parent). */
  best: number | undefined;
  /** The path went on past what exists. */
  missing: boolean;
}

function samePrefix(prefix: FieldPath, path: FieldPath, length: number): boolean {
  if (prefix.length !== length) return false;
  for (let i = 0; i < length; i++) if (prefix[i] !== path[i]) return false;
  return true;
}

/** Follows `path` from its `from`th part, starting at `node`; `key`: the last part's key, not its value. */
function walk(start: unknown, startBest: number | undefined, path: FieldPath, from: number, key: boolean): Walked {
  let node = start;
  let best = startBest;
  for (let i = from; i < path.length; i++) {
    const part = path[i];
    if (isMap(node)) {
      const wanted = String(part);
      const items = node.items;
      let pair: (typeof items)[number] | undefined;
      for (let k = 0; k < items.length; k++) {
        const candidate = items[k]!;
        if ((isScalar(candidate.key) ? String(candidate.key.value) : candidate.key) === wanted) {
          pair = candidate;
          break;
        }
      }
      if (!pair) return { node, best, missing: true };
      const keyNode = pair.key as Node | null;
      if (i === path.length - 1 && key && keyNode?.range) return { node: keyNode, best: keyNode.range[0], missing: false };
      node = pair.value;
      const begin = (node as Node | null)?.range?.[0] ?? keyNode?.range?.[0];
      if (begin !== undefined) best = begin;
    } else if (isSeq(node) && typeof part === "number") {
      const item = node.items[part] as Node | undefined;
      if (!item) return { node, best, missing: true };
      node = item;
      if (item.range) best = item.range[0];
    } else {
      return { node, best, missing: true };
    }
  }
  return { node, best, missing: false };
}
