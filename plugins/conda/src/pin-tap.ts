import path from "node:path";
import type { FieldPath, Lock, PinContext, PinDocument, PinOutcome, PinRequest } from "@envforge/core/plugin-kit";
import { parseMatchSpec, prepareMatchSpecs, type MatchSpec } from "./matchspec.js";

/** The section conda forwards its `pip:` sub-lists to (section.ts). */
const PIP_SECTION = "pip";

/**
 * The `pin` tap of the conda section: every MatchSpec not fixed to one version becomes
 * `name==<locked version>` (channel, subdir and build string kept), in `python.conda` and in the
 * `python.condaFile` file. Its `pip:` sub-lists are the pip section's: forwarded, in place.
 */
export async function pinConda(request: PinRequest, ctx: PinContext): Promise<PinOutcome | undefined> {
  if (request.kind === "document") {
    await prepareMatchSpecs();
    return pinDependencies(ctx, ctx.document, ["python", "conda", "dependencies"], ".", "python.conda.dependencies");
  }
  if (request.kind !== "files") return undefined;
  const condaFile = ctx.document.text(["python", "condaFile"]);
  if (condaFile === undefined) return undefined;
  const key = path.posix.normalize(condaFile);
  const doc = ctx.openDocument(key);
  if (doc === undefined) return undefined;
  await prepareMatchSpecs();
  return pinDependencies(ctx, doc, ["dependencies"], path.posix.dirname(key), `${key}: dependencies`);
}

/** A conda `dependencies:` list: MatchSpecs, and `{pip: [...]}` items. */
async function pinDependencies(ctx: PinContext, doc: PinDocument, at: FieldPath, baseDir: string, label: string): Promise<PinOutcome> {
  const outcome: PinOutcome = { changes: [], missing: [] };
  const versions = condaVersions(ctx.lock);
  const length = doc.length(at) ?? 0;
  for (let i = 0; i < length; i++) {
    const item = [...at, i];
    if (doc.isMapping(item)) {
      if (doc.length([...item, "pip"]) !== undefined) {
        const pip = await ctx.forward(PIP_SECTION, { kind: "list", document: doc, path: [...item, "pip"], baseDir, where: `${label}[${i}].pip` });
        outcome.changes.push(...pip.changes);
        outcome.missing.push(...pip.missing);
      }
      continue;
    }
    const value = doc.text(item);
    if (value === undefined) continue;
    const pinned = pinSpec(value, `${label}[${i}]`, versions, outcome);
    if (pinned !== value) doc.set(item, pinned);
  }
  return outcome;
}

function pinSpec(text: string, where: string, versions: Map<string, string>, outcome: PinOutcome): string {
  let spec: MatchSpec;
  try {
    spec = parseMatchSpec(text);
  } catch {
    return text; // the engine refuses it with a location; pinning leaves it alone
  }
  if (exact(spec)) return text;
  const version = versions.get(spec.name);
  if (version === undefined) {
    outcome.missing.push({ ecosystem: "conda", written: text, where });
    return text;
  }
  const channel = spec.channel ? `${spec.channel}${spec.subdir ? `/${spec.subdir}` : ""}::` : "";
  const to = `${channel}${spec.name}==${version}${spec.build ? `=${spec.build}` : ""}`;
  outcome.changes.push({ ecosystem: "conda", name: spec.name, from: text, to, where });
  return to;
}

/**
 * One exact version (or one file). Stricter than `spec.pinned`, which is content with an upper
 * bound (`numpy=1.26` is `1.26.*`: it warns less, but 1.26.5 can still arrive). The same
 * judgement as the workspace's reproducibility check (`condaExact` there).
 */
function exact(spec: MatchSpec): boolean {
  if (spec.url !== undefined || spec.extra.md5 !== undefined || spec.extra.sha256 !== undefined) return true;
  return spec.version !== undefined && /^==[^*,|]+$/.test(spec.version);
}

/** Locked conda versions by lowercased name, computed once per lock. */
const versionsOf = new WeakMap<Lock, Map<string, string>>();

function condaVersions(lock: Lock): Map<string, string> {
  let versions = versionsOf.get(lock);
  if (versions === undefined) {
    versions = new Map();
    for (const p of lock.packages) if (p.version && p.ecosystem === "conda") versions.set(p.name.toLowerCase(), p.version);
    versionsOf.set(lock, versions);
  }
  return versions;
}
