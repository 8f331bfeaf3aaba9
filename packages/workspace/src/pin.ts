import { Document, isMap, isSeq, parseDocument } from "yaml";
import type { Engine, FieldPath, Lock, PinChange, PinContext, PinDocument, PinMissing, PinOutcome, PinRequest } from "@envforge/core/plugin-kit";
import type { EnvironmentDefinition } from "./definition.js";

export type { PinChange, PinMissing } from "@envforge/core/plugin-kit";

export interface PinResult {
  /** The rewritten definition: a new hash, every listed package fixed to what the lock says. */
  definition: EnvironmentDefinition;
  changes: PinChange[];
  /** Unpinned packages the lock does not know (the build did not install them?): left as written. */
  missing: PinMissing[];
}

/**
 * Rewrites a definition with its lock's versions: each section's `pin` tap (pip, conda) fixes its
 * unpinned items wherever they are written — the inline lists, the files the definition carries
 * and the files those include. Comments and layout of the YAML and text files are kept; only the
 * pinned items change. Sections are asked in the order their fields are declared (the order
 * plugins were given to the engine): first for what the document lists inline, then for the
 * files it names, then for each file queued meanwhile.
 */
export async function pin(engine: Engine, definition: EnvironmentDefinition, lock: Lock): Promise<PinResult> {
  const out: PinResult = { definition: structuredClone(definition), changes: [], missing: [] };
  const session = new PinSession(engine, out.definition, lock);
  const add = (outcome: PinOutcome | undefined) => {
    if (outcome === undefined) return;
    out.changes.push(...outcome.changes);
    out.missing.push(...outcome.missing);
  };
  const sections = [...new Set(engine.fields().map((f) => f.section))].filter((s) => engine.hooks.pin.get(s)?.isUsed());
  for (const kind of ["document", "files"] as const) {
    for (const section of sections) add(await session.call(section, { kind }));
  }
  for (let next = session.nextFile(); next !== undefined; next = session.nextFile()) add(await session.call(next.section, { kind: "file", file: next.file }));

  for (const [file, doc] of session.opened) if (doc.touched) out.definition.files[file] = doc.doc.toString({ lineWidth: 0 });
  if (session.document.touched) {
    out.definition.document = session.document.doc.toJS() as Record<string, unknown>;
    if (definition.text !== undefined) out.definition.text = session.document.doc.toString({ lineWidth: 0 });
  }
  return out;
}

/** A YAML document under edit: the `yaml` package's node API behind the small `PinDocument`. */
class YamlPinDocument implements PinDocument {
  touched = false;
  constructor(readonly doc: Document) {}

  length(path: FieldPath): number | undefined {
    const node = this.doc.getIn(path, true);
    return isSeq(node) ? node.items.length : undefined;
  }

  text(path: FieldPath): string | undefined {
    const value = this.doc.getIn(path);
    return typeof value === "string" ? value : undefined;
  }

  isMapping(path: FieldPath): boolean {
    return isMap(this.doc.getIn(path, true));
  }

  set(path: FieldPath, value: string): void {
    this.doc.setIn(path, value);
    this.touched = true;
  }
}

/** One pinning: the documents and files under edit, and the queue of files sections named. */
class PinSession implements PinContext {
  readonly document: YamlPinDocument;
  readonly opened = new Map<string, YamlPinDocument>();
  readonly #pending: Array<{ section: string; file: string }> = [];
  readonly #queued = new Set<string>();

  constructor(
    readonly engine: Engine,
    readonly definition: EnvironmentDefinition,
    readonly lock: Lock,
  ) {
    const doc = definition.text !== undefined ? parseDocument(definition.text) : new Document(definition.document);
    this.document = new YamlPinDocument(doc);
  }

  async call(section: string, request: PinRequest): Promise<PinOutcome | undefined> {
    const hook = this.engine.hooks.pin.get(section);
    return hook?.isUsed() ? hook.promise(request, this) : undefined;
  }

  readFile(file: string): string | undefined {
    return this.definition.files[file];
  }

  writeFile(file: string, content: string): void {
    this.definition.files[file] = content;
  }

  openDocument(file: string): PinDocument | undefined {
    const open = this.opened.get(file);
    if (open) return open;
    const text = this.definition.files[file];
    if (text === undefined) return undefined;
    const doc = new YamlPinDocument(parseDocument(text));
    this.opened.set(file, doc);
    return doc;
  }

  queueFile(section: string, file: string): void {
    const key = `${section}\0${file}`;
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#pending.push({ section, file });
  }

  nextFile(): { section: string; file: string } | undefined {
    return this.#pending.shift();
  }

  async forward(section: string, request: Extract<PinRequest, { kind: "list" }>): Promise<PinOutcome> {
    return (await this.call(section, request)) ?? { changes: [], missing: [] };
  }
}
