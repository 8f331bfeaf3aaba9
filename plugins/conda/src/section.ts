import path from "node:path";
import { createError, z, type ForwardedItem, type ParseContext, type SchemaBuilder, type SectionFields, type SourceLocation, type FieldPath, canonicalSet, frozenCopy } from "@envforge/core/plugin-kit";
import { checkChannel } from "./channel-policy.js";
import { confineChannel } from "./confine.js";
import { checkCondaVariables } from "./denied-variables.js";
import { readEnvironment, type EnvironmentContent, type LocatedSpec } from "./environment-file.js";
import { prepareMatchSpecs } from "./matchspec.js";

export const SECTION = "conda";
export const CONDA_FIELD = "python.conda";
export const CONDA_FILE_FIELD = "python.condaFile";

/** What the conda section parses to (`spec.sections.conda`). */
export interface CondaSection {
  channels: string[];
  dependencies: LocatedSpec[];
  variables: Record<string, string>;
  /** The conda file's `name:` (never hashed). */
  name?: string | undefined;
  /** Absolute path of the conda file, when the section came from `python.condaFile`. */
  file?: string | undefined;
}

/**
 * The canonical conda section, as hashed and as builders read it: channels in priority order as
 * written, dependencies as a sorted set of canonical MatchSpecs, and the environment's variables
 * (absent when there are none; they are written into the prefix, so they change the build).
 * A JSON shape (a type, not an interface): it is hashed.
 */
export type CondaCanonical = {
  channels: string[];
  dependencies: string[];
  variables?: Record<string, string>;
};

declare module "@envforge/core" {
  interface SectionTypes {
    conda: { parsed: CondaSection; canonical: CondaCanonical };
  }
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);
/** The inline form: the shape of a conda environment.yml. */
export const condaFieldSchema = z.strictObject({
  name: z.string().optional().describe("environment name (not hashed)"),
  prefix: z.string().optional().describe("install prefix (not hashed: envforge chooses where it builds)"),
  // A key with nothing after it (`channels:`) is null in YAML; conda reads it as empty, so do we.
  channels: z.array(z.string()).nullable().optional().describe("channels in priority order, e.g. [conda-forge, defaults]"),
  dependencies: z
    .array(z.union([z.string(), z.strictObject({ pip: z.array(z.string()).nullable() })]))
    .nullable()
    .optional()
    .describe("MatchSpecs such as numpy=1.26 or pandas>=2,<3, and an optional {pip: [...]} entry"),
  variables: z.record(z.string(), scalar).nullable().optional().describe("variables conda sets when the environment is activated"),
});

export function declareFields(schema: SchemaBuilder): void {
  schema.field({
    path: CONDA_FIELD,
    section: SECTION,
    schema: condaFieldSchema,
    description: "conda environment, same shape as an environment.yml (name and prefix are not hashed)",
    installs: true,
  });
  schema.field({
    path: CONDA_FILE_FIELD,
    section: SECTION,
    schema: z.string().trim().min(1, "a path to an environment.yml"),
    description: "path to a conda environment.yml, relative to this file (its content counts, not its path)",
    installs: true,
  });
  schema.rule({ kind: "atMostOne", fields: [CONDA_FIELD, CONDA_FILE_FIELD] });
  schema.order({ section: SECTION, forwardsTo: ["pip"] });
}

export interface ParseOptions {
  /** Warn (`W_UNPINNED`) about dependencies without an upper bound. Default true. */
  warnUnpinned?: boolean | undefined;
}

export async function parseCondaSection(fields: SectionFields, ctx: ParseContext, options: ParseOptions = {}): Promise<CondaSection> {
  await prepareMatchSpecs();
  const inline = fields[CONDA_FIELD];
  const request = fields[CONDA_FILE_FIELD] as string | undefined;
  if (inline !== undefined && request !== undefined) {
    throw createError("E_CONFLICTING_FIELDS", "python.conda and python.condaFile are both given", {
      field: CONDA_FILE_FIELD,
      location: ctx.locate(["python", "condaFile"], true),
      hint: "use one: list the environment inline under python.conda, or point python.condaFile at an environment.yml",
    });
  }

  let content: EnvironmentContent;
  let file: string | undefined;
  let locate: (path: FieldPath, key?: boolean) => SourceLocation;
  let field: string;
  if (request !== undefined) {
    const location = ctx.locate(["python", "condaFile"]);
    const referenced = await ctx.readFile(request.trim(), { field: CONDA_FILE_FIELD, location });
    file = referenced.absolutePath;
    const doc = ctx.parseDocument(referenced.content, referenced.absolutePath);
    locate = (p, key) => doc.locator.locate(p, key);
    field = CONDA_FILE_FIELD;
    content = readEnvironment({
      data: doc.data,
      locate: (p, key) => doc.locator.locate(p, key),
      field: CONDA_FILE_FIELD,
      label: `${path.basename(referenced.absolutePath)}: `,
      report: (error) => ctx.report(error),
    });
  } else {
    locate = (p, key) => ctx.locate(["python", "conda", ...p], key);
    field = CONDA_FIELD;
    content = readEnvironment({
      data: inline,
      locate: (p, key) => ctx.locate(["python", "conda", ...p], key),
      field: CONDA_FIELD,
      label: "python.conda.",
      report: (error) => ctx.report(error),
    });
  }

  for (const [i, channel] of content.channels.entries()) {
    const site = { location: locate(["channels", i]), field: `${field}.channels[${i}]` };
    checkChannel(channel, ctx.policy, site);
    if (!ctx.policy.allowOutsideFiles) await confineChannel(channel, ctx.spec.dir, site);
  }
  if (!ctx.policy.allowOutsideFiles) {
    // `channel::name` fetches from that channel too.
    for (const dep of content.dependencies) {
      if (dep.spec.channel !== undefined) await confineChannel(dep.spec.channel, ctx.spec.dir, { location: dep.location, field: `${field}.dependencies` });
    }
  }
  checkCondaVariables(content.variables, ctx.policy, { field, locateKey: (name) => locate(["variables", name], true) });

  if (options.warnUnpinned ?? true) {
    // A package the lock beside the definition pins is not unpinned: the build installs the lock.
    const pinnedByLock = new Set((ctx.lock?.conda ?? []).map((p) => p.name.toLowerCase()));
    for (const dep of content.dependencies) {
      if (dep.spec.pinned || pinnedByLock.has(dep.spec.name.toLowerCase())) continue;
      ctx.warn(
        "W_UNPINNED",
        `conda dependency "${dep.text.trim()}" is not pinned: it resolves to whatever is newest when the environment is first built, and every later build with the same hash reuses that`,
        dep.location,
        `pin it (e.g. ${dep.spec.name}=<major.minor> or ${dep.spec.name}==<version>), or record what it resolved to with \`envforge lock\``,
      );
    }
  }

  const forwarded: ForwardedItem[] = content.pip.map((item) => ({ value: item.value, location: item.location, from: SECTION }));
  ctx.forward("pip", forwarded);

  return { channels: content.channels, dependencies: content.dependencies, variables: content.variables, name: content.name, file };
}

export function canonicalCondaSection(section: CondaSection): CondaCanonical | undefined {
  const dependencies = canonicalSet(section.dependencies.map((d) => d.spec.canonical));
  const variables = section.variables;
  const hasVariables = Object.keys(variables).length > 0;
  if (dependencies.length === 0 && section.channels.length === 0 && !hasVariables) return undefined;
  // Frozen here, reusing the parsed values (frozen by the engine after parsing): the engine then
  // has nothing left to walk and freeze on the hot path of every hash.
  const out: CondaCanonical = { channels: frozenCopy(section.channels), dependencies };
  if (hasVariables) out.variables = Object.isFrozen(variables) ? variables : Object.freeze({ ...variables });
  return Object.freeze(out);
}
