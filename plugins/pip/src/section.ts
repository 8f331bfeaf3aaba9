import path from "node:path";
import { canonicalSet, createError, frozenCopy, isEnvforgeError, z, type ParseContext, type SchemaBuilder, type SectionFields } from "@envforge/core/plugin-kit";
import { canonicalName, redactUrl, type PipCanonical } from "@envforge/python";
import { PipCollector, type PipParsed } from "./collect.js";
import { canonicalOptions } from "./options.js";
import { conflictingPins } from "./pins.js";
import { checkPipSources } from "./sources.js";

export const PIP_SECTION = "pip";

declare module "@envforge/core" {
  interface SectionTypes {
    /** Parsed: requirements, constraints, options and the index lines beside them; canonical: `@envforge/python`'s `PipCanonical`. */
    pip: { parsed: PipParsed; canonical: PipCanonical };
  }
}

export function declarePipFields(schema: SchemaBuilder): void {
  schema.field({
    path: "python.pip",
    section: PIP_SECTION,
    schema: z.array(z.string()),
    description: 'pip requirements, one per item, as in a requirements file (e.g. "numpy==1.26.4")',
    installs: true,
  });
  schema.field({
    path: "python.pipRequirements",
    section: PIP_SECTION,
    schema: z.string().min(1),
    description: "a pip requirements file, relative to this file; its content is hashed, not its path",
    installs: true,
  });
}

/** `parseSection` for "pip": inline items, the requirements file and items forwarded by conda are one set. */
export async function parsePipSection(fields: SectionFields, ctx: ParseContext): Promise<PipParsed> {
  const collector = new PipCollector(
    (request, from) => ctx.readFile(request, { field: from.field, location: from.location, baseDir: from.baseDir }),
    (error) => ctx.report(error),
  );
  const specDir = ctx.spec.dir;
  const inline = (fields["python.pip"] as string[] | undefined) ?? [];
  for (let i = 0; i < inline.length; i++) {
    const text = inline[i]!;
    const origin = ctx.locate(["python", "pip", i]);
    const pending = collector.add({ text, file: origin.file, baseDir: specDir, field: `python.pip[${i}]`, origin });
    if (pending) await pending; // only an item that includes a file waits: no promise per requirement
  }
  const file = fields["python.pipRequirements"] as string | undefined;
  if (file !== undefined) {
    const location = ctx.locate(["python", "pipRequirements"]);
    const read = await ctx.readFile(file, { field: "python.pipRequirements", location }).catch((cause: unknown) => {
      if (!isEnvforgeError(cause)) throw cause;
      ctx.report(cause);
      return undefined;
    });
    if (read) {
      await collector.add(
        { text: read.content, file: read.absolutePath, baseDir: path.dirname(read.absolutePath), field: "python.pipRequirements" },
        false,
        [read.absolutePath],
      );
    }
  }
  for (const item of ctx.forwarded()) {
    if (typeof item.value !== "string") {
      ctx.report(
        createError("E_WRONG_TYPE", `a pip requirement forwarded by "${item.from}" must be a string`, {
          location: item.location,
          hint: 'write each pip requirement as a string, e.g. - "rich==13.7.1"',
        }),
      );
      continue;
    }
    const baseDir = path.isAbsolute(item.location.file) ? path.dirname(item.location.file) : specDir;
    await collector.add({ text: item.value, file: item.location.file, baseDir, field: `${item.from}.pip`, origin: item.location });
  }
  const parsed = collector.parsed;
  for (const conflict of conflictingPins([...parsed.requirements, ...parsed.constraints], specDir)) ctx.report(conflict);
  await checkPipSources(parsed, ctx);
  warnBuildOptions(parsed, ctx);
  warnUnpinned(parsed, ctx);
  return parsed;
}

/**
 * The seed's reproducibility trap: an unpinned requirement resolves to whatever is newest when the
 * hash is first built, and every later build of the same hash silently reuses that.
 */
function warnUnpinned(parsed: PipParsed, ctx: ParseContext): void {
  const pinnedByConstraint = new Set(parsed.constraints.filter((c) => c.pinned && c.name).map((c) => c.name!));
  // A package the lock beside the definition pins is not unpinned: the build installs the lock.
  const pinnedByLock = new Set((ctx.lock?.pip ?? []).map((d) => canonicalName(d.name)));
  const seen = new Set<string>();
  for (const req of parsed.requirements) {
    if (req.pinned || (req.name && (pinnedByConstraint.has(req.name) || pinnedByLock.has(canonicalName(req.name))))) continue;
    const key = req.name ?? req.canonical;
    if (seen.has(key)) continue;
    seen.add(key);
    const written = redactUrl(req.written);
    const what = req.name ? `"${req.name}"${written === req.name ? "" : ` (${written})`}` : `"${written}"`;
    ctx.warn(
      "W_UNPINNED",
      `${what} is not pinned to one version: the first build of this definition decides what it resolves to, and every later build of the same hash reuses that`,
      req.location,
      req.name
        ? `pin it, e.g. ${req.name}==<version>; the build's lock records what it resolved to`
        : "add #sha256=<digest> to the URL, or pin a VCS URL to a full commit",
    );
  }
}

function warnBuildOptions(parsed: PipParsed, ctx: ParseContext): void {
  for (const line of parsed.buildOptionLines) {
    const shown = line.value === undefined ? line.flag : `${line.flag} ${redactUrl(line.value)}`;
    ctx.warn(
      "W_BUILD_OPTION",
      `"${shown}" is a build option: it is used when building, but not hashed (where packages come from is not what they are)`,
      line.location,
      "pass index options as builder options (envforge build --index-url / -o pip.indexUrl=...) to keep them out of the definition",
    );
  }
}

/**
 * `canonicalizeSection` for "pip": a sorted, deduplicated array of canonical requirement lines;
 * an object `{ requirements, constraints?, options? }` when constraints or install-changing
 * options are present. Nothing to install hashes like no pip section at all.
 */
export function canonicalPipSection(parsed: PipParsed): PipCanonical | undefined {
  const requirements = canonicalSet(parsed.requirements.map((r) => r.canonical));
  if (requirements.length === 0) return undefined;
  const constraints = canonicalSet(parsed.constraints.map((r) => r.canonical));
  const options = canonicalOptions(parsed.options);
  if (constraints.length === 0 && options.length === 0) return requirements;
  const out: Exclude<PipCanonical, string[]> = { requirements };
  if (constraints.length > 0) out.constraints = constraints;
  if (options.length > 0) out.options = frozenCopy(options);
  return Object.freeze(out);
}
