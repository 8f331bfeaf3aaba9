import path from "node:path";
import type { FieldPath, Lock, PinContext, PinDocument, PinOutcome, PinRequest } from "@envforge/core/plugin-kit";
import { canonicalName, formatMarker, formatRequirement, normalizeVersion, parsePep508, type Pep508Requirement } from "@envforge/python";
import { PIP_SECTION } from "./section.js";

/**
 * The `pin` tap of the pip section: every unpinned requirement becomes `name==<locked version>`,
 * spelled as the lock spells it (extras and markers kept), wherever it is written — `python.pip`,
 * the `pipRequirements` file and the files it includes (`-r`/`-c`, each once), and `pip:` lists
 * other sections forward (a conda file's). Options, URLs, exact pins and continuation lines are
 * left as written.
 */
export async function pinPip(request: PinRequest, ctx: PinContext): Promise<PinOutcome> {
  const pinner = new PipPinner(ctx);
  switch (request.kind) {
    case "document":
      pinner.list(ctx.document, ["python", "pip"], ".", "python.pip");
      break;
    case "files": {
      const requirements = ctx.document.text(["python", "pipRequirements"]);
      // Queued behind the files inline items include: pinned in the order they were named.
      if (requirements !== undefined) ctx.queueFile(PIP_SECTION, path.posix.normalize(requirements));
      break;
    }
    case "list":
      pinner.list(request.document, request.path, request.baseDir, request.where);
      break;
    case "file":
      pinner.file(request.file);
      break;
  }
  return pinner.outcome;
}

/** Locked pip versions by canonical name, computed once per lock. */
const versionsOf = new WeakMap<Lock, Map<string, string>>();

function pipVersions(lock: Lock): Map<string, string> {
  let versions = versionsOf.get(lock);
  if (versions === undefined) {
    versions = new Map();
    for (const p of lock.packages) if (p.version && p.ecosystem === "pip") versions.set(canonicalName(p.name), p.version);
    versionsOf.set(lock, versions);
  }
  return versions;
}

class PipPinner {
  readonly outcome: PinOutcome = { changes: [], missing: [] };
  readonly #versions: Map<string, string>;

  constructor(readonly ctx: PinContext) {
    this.#versions = pipVersions(ctx.lock);
  }

  /** A YAML list of requirement lines (`python.pip`, a conda `pip:` sub-list). */
  list(doc: PinDocument, at: FieldPath, baseDir: string, label: string): void {
    const length = doc.length(at) ?? 0;
    for (let i = 0; i < length; i++) {
      const value = doc.text([...at, i]);
      if (value === undefined) continue;
      const pinned = this.line(value, baseDir, `${label}[${i}]`);
      if (pinned !== value) doc.set([...at, i], pinned);
    }
  }

  /** A requirements file the definition carries. */
  file(file: string): void {
    const text = this.ctx.readFile(file);
    if (text === undefined) return;
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
      const pinned = this.line(line, path.posix.dirname(file), `${file}:${i + 1}`);
      if (pinned !== line) {
        lines[i] = pinned + cr;
        changed = true;
      }
    });
    if (changed) this.ctx.writeFile(file, lines.join("\n"));
  }

  /** One line in requirements-file syntax; returns it pinned, or as it was. */
  line(line: string, baseDir: string, where: string): string {
    const comment = /(^|[ \t]+)#.*$/.exec(line);
    const body = comment ? line.slice(0, comment.index) : line;
    const trimmed = body.trim();
    if (trimmed === "") return line;
    if (trimmed.startsWith("-")) {
      const include = /^(?:-r|--requirement|-c|--constraint)(?:=|\s+|(?=[^-\s]))(\S+)/.exec(trimmed);
      if (include) this.ctx.queueFile(PIP_SECTION, path.posix.normalize(path.posix.join(baseDir, include[1]!)));
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
    const version = this.#versions.get(name);
    // A version that is not PEP 440 (a lock written by hand?) would make a pin the engine refuses.
    if (version === undefined || normalizeVersion(version) === undefined) {
      this.outcome.missing.push({ ecosystem: "pip", written, where });
      return line;
    }
    // The version as the lock spells it (1.2.0, not the equal 1.2 that canonical form writes):
    // the hash is the same either way, and the file then reads like the lock and pip's own output.
    const head = formatRequirement({ ...parsed, specifiers: [], marker: undefined });
    const to = `${head}==${version}${parsed.marker ? `; ${formatMarker(parsed.marker)}` : ""}`;
    this.outcome.changes.push({ ecosystem: "pip", name, from: written, to, where });
    return body.slice(0, start) + to + body.slice(end) + (comment ? line.slice(comment.index) : "");
  }
}
