import path from "node:path";
import { Document, isMap, isSeq, parseDocument } from "yaml";
import type { Lock } from "@envforge/core/plugin-kit";
import { parseMatchSpec, prepareMatchSpecs } from "@envforge/plugin-conda";
import { canonicalName, formatMarker, formatRequirement, normalizeVersion, parsePep508, type Pep508Requirement } from "@envforge/plugin-pip";
import { condaExact } from "./check.js";
import type { EnvironmentDefinition } from "./definition.js";

export interface PinChange {
  ecosystem: "pip" | "conda";
  name: string;
  from: string;
  to: string;
  /** `python.pip[2]`, `requirements.txt:4`, `environment.yml: dependencies[3]`. */
  where: string;
}

export interface PinResult {
  /** The rewritten definition: a new hash, every listed package fixed to what the lock says. */
  definition: EnvironmentDefinition;
  changes: PinChange[];
  /** Unpinned packages the lock does not know (the build did not install them?): left as written. */
  missing: Array<{ ecosystem: "pip" | "conda"; written: string; where: string }>;
}

type Versions = { pip: Map<string, string>; conda: Map<string, string> };

/**
 * Rewrites a definition with its lock's versions: every unpinned pip requirement becomes
 * `name==<locked version>`, spelled as the lock spells it (extras and markers kept), every
 * unpinned conda MatchSpec `name==<locked version>` (channel kept), wherever they are written —
 * the inline lists, the requirements file and the files it includes, a conda file and its `pip:`
 * sub-list. Comments and layout of the YAML and requirements files are kept; only the pinned items
 * change.
 */
export async function pin(definition: EnvironmentDefinition, lock: Lock): Promise<PinResult> {
  await prepareMatchSpecs();
  const versions: Versions = { pip: new Map(), conda: new Map() };
  for (const p of lock.packages) {
    if (!p.version) continue;
    if (p.ecosystem === "pip") versions.pip.set(canonicalName(p.name), p.version);
    if (p.ecosystem === "conda") versions.conda.set(p.name.toLowerCase(), p.version);
  }
  const out: PinResult = { definition: structuredClone(definition), changes: [], missing: [] };
  const pinner = new Pinner(versions, out);
  const doc = definition.text !== undefined ? parseDocument(definition.text) : new Document(definition.document);

  const pip = doc.getIn(["python", "pip"], true);
  if (isSeq(pip)) pinner.pipSeq(doc, ["python", "pip"], ".", "python.pip");
  const conda = doc.getIn(["python", "conda"], true);
  if (isMap(conda)) pinner.condaDeps(doc, ["python", "conda", "dependencies"], ".", "python.conda.dependencies");
  const requirements = doc.getIn(["python", "pipRequirements"]);
  if (typeof requirements === "string") pinner.queue(path.posix.normalize(requirements));
  const condaFile = doc.getIn(["python", "condaFile"]);
  if (typeof condaFile === "string") {
    const key = path.posix.normalize(condaFile);
    const text = out.definition.files[key];
    if (text !== undefined) {
      const fileDoc = parseDocument(text);
      pinner.condaDeps(fileDoc, ["dependencies"], path.posix.dirname(key), `${key}: dependencies`);
      if (pinner.touched(fileDoc)) out.definition.files[key] = fileDoc.toString({ lineWidth: 0 });
    }
  }
  pinner.requirementFiles();

  if (pinner.touched(doc)) {
    out.definition.document = doc.toJS() as Record<string, unknown>;
    if (definition.text !== undefined) out.definition.text = doc.toString({ lineWidth: 0 });
  }
  return out;
}

class Pinner {
  readonly #pending: string[] = [];
  readonly #seen = new Set<string>();
  readonly #touched = new WeakSet<Document>();

  constructor(
    readonly versions: Versions,
    readonly out: PinResult,
  ) {}

  touched(doc: Document): boolean {
    return this.#touched.has(doc);
  }

  queue(file: string): void {
    if (!this.#seen.has(file)) {
      this.#seen.add(file);
      this.#pending.push(file);
    }
  }

  /** A YAML list of requirement lines (`python.pip`, a conda `pip:` sub-list). */
  pipSeq(doc: Document, at: Array<string | number>, baseDir: string, label: string): void {
    const seq = doc.getIn(at, true);
    if (!isSeq(seq)) return;
    seq.items.forEach((_, i) => {
      const value = doc.getIn([...at, i]);
      if (typeof value !== "string") return;
      const pinned = this.pipLine(value, baseDir, `${label}[${i}]`);
      if (pinned !== value) {
        doc.setIn([...at, i], pinned);
        this.#touched.add(doc);
      }
    });
  }

  /** A conda `dependencies:` list: MatchSpecs, and `{pip: [...]}` items. */
  condaDeps(doc: Document, at: Array<string | number>, baseDir: string, label: string): void {
    const seq = doc.getIn(at, true);
    if (!isSeq(seq)) return;
    seq.items.forEach((item, i) => {
      if (isMap(item)) {
        if (isSeq(item.get("pip", true))) this.pipSeq(doc, [...at, i, "pip"], baseDir, `${label}[${i}].pip`);
        return;
      }
      const value = doc.getIn([...at, i]);
      if (typeof value !== "string") return;
      const pinned = this.condaSpec(value, `${label}[${i}]`);
      if (pinned !== value) {
        doc.setIn([...at, i], pinned);
        this.#touched.add(doc);
      }
    });
  }

  /** Every requirements file reached from the definition, includes followed. */
  requirementFiles(): void {
    for (let file = this.#pending.shift(); file !== undefined; file = this.#pending.shift()) {
      const text = this.out.definition.files[file];
      if (text === undefined) continue;
      const lines = text.split("\n");
      let changed = false;
      let continued = false;
      lines.forEach((raw, i) => {
        const cr = raw.endsWith("\r") ? "\r" : "";
        const line = cr ? raw.slice(0, -1) : raw;
        // Continuation lines are left as written: rare in pinned output, and risky to rejoin.
        const skip = continued || line.endsWith("\\");
        continued = line.endsWith("\\");
        if (skip) return;
        const pinned = this.pipLine(line, path.posix.dirname(file), `${file}:${i + 1}`);
        if (pinned !== line) {
          lines[i] = pinned + cr;
          changed = true;
        }
      });
      if (changed) this.out.definition.files[file] = lines.join("\n");
    }
  }

  /** One line in requirements-file syntax; returns it pinned, or as it was. */
  pipLine(line: string, baseDir: string, where: string): string {
    const comment = /(^|[ \t]+)#.*$/.exec(line);
    const body = comment ? line.slice(0, comment.index) : line;
    const trimmed = body.trim();
    if (trimmed === "") return line;
    if (trimmed.startsWith("-")) {
      const include = /^(?:-r|--requirement|-c|--constraint)(?:=|\s+|(?=[^-\s]))(\S+)/.exec(trimmed);
      if (include) this.queue(path.posix.normalize(path.posix.join(baseDir, include[1]!)));
      return line;
    }
    // pip: the requirement is everything before the first word that starts with `-` (its options).
    const start = body.length - body.trimStart().length;
    const options = /[ \t]+-/.exec(body.slice(start));
    const end = options ? start + options.index : body.trimEnd().length;
    const written = body.slice(start, end);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(written)) return line;
    let parsed: Pep508Requirement;
    try {
      parsed = parsePep508(written);
    } catch {
      return line; // the engine refuses it with a location; pinning leaves it alone
    }
    if (parsed.url !== undefined || parsed.specifiers.some((c) => c.operator === "===" || (c.operator === "==" && !c.version.endsWith(".*")))) {
      return line;
    }
    const name = canonicalName(parsed.name);
    const version = this.versions.pip.get(name);
    if (version === undefined) {
      this.out.missing.push({ ecosystem: "pip", written, where });
      return line;
    }
    if (normalizeVersion(version) === undefined) {
      // Not a PEP 440 version (a lock written by hand?): a pin to it would be refused.
      this.out.missing.push({ ecosystem: "pip", written, where });
      return line;
    }
    // The version as the lock spells it (1.2.0, not the equal 1.2 that canonical form writes):
    // the hash is the same either way, and the file then reads like the lock and pip's own output.
    const head = formatRequirement({ ...parsed, specifiers: [], marker: undefined });
    const to = `${head}==${version}${parsed.marker ? `; ${formatMarker(parsed.marker)}` : ""}`;
    this.out.changes.push({ ecosystem: "pip", name, from: written, to, where });
    return body.slice(0, start) + to + body.slice(end) + (comment ? line.slice(comment.index) : "");
  }

  condaSpec(text: string, where: string): string {
    let spec;
    try {
      spec = parseMatchSpec(text);
    } catch {
      return text;
    }
    if (condaExact(spec)) return text;
    const version = this.versions.conda.get(spec.name);
    if (version === undefined) {
      this.out.missing.push({ ecosystem: "conda", written: text, where });
      return text;
    }
    const channel = spec.channel ? `${spec.channel}${spec.subdir ? `/${spec.subdir}` : ""}::` : "";
    const to = `${channel}${spec.name}==${version}${spec.build ? `=${spec.build}` : ""}`;
    this.out.changes.push({ ecosystem: "conda", name: spec.name, from: text, to, where });
    return to;
  }
}
