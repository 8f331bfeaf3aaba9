import { parseSourceDocument } from "./document.js";
import { isEnvforgeError, type EnvforgeError } from "../errors/envforge-error.js";
import { createError } from "../errors/factories.js";
import { deepFreeze } from "../hash/freeze.js";
import type { EngineHooks } from "../hooks.js";
import { checkShape, type InputLimits } from "../policy/limits.js";
import { readTextFile, resolveReference } from "./loader.js";
import { readLockBeside } from "../lock/lock-section.js";
import { LOCK_SECTION } from "../lock/lock-path.js";
import type { SchemaRegistry } from "./schema.js";
import type { HostPolicy } from "../policy/policy.js";
import type { ParseContext, SectionFields } from "./sections.js";
import type { ForwardedItem, LoadedSpec, ParsedSpec, SpecIdentity } from "./spec.js";
import type { EngineEvent } from "../engine/events.js";

export interface ParseOptions {
  hooks: EngineHooks;
  registry: SchemaRegistry;
  limits: InputLimits;
  allowFilesOutsideRoot: boolean;
  policy: HostPolicy;
  emit(event: EngineEvent): void;
  /**
   * Set by `engine.validate`: every problem goes here and parsing goes on where it can — each
   * schema problem, each section's (a failed section is left out), and what parsers `report`.
   * Unset, the first problem is thrown (build, hash).
   */
  problems?: ProblemList | undefined;
}

/** What `engine.validate` collects; `partial` once a field or a whole section could not be read. */
export interface ProblemList {
  problems: EnvforgeError[];
  partial: boolean;
}

/** Values present in the definition for each section, keyed by dotted field path. */
function collectSections(loaded: LoadedSpec, registry: SchemaRegistry): Map<string, SectionFields> {
  const out = new Map<string, SectionFields>();
  for (const { dotted, head, child, definition } of registry.fieldPaths()) {
    const top = loaded.data[head];
    const value = child === undefined ? top : (top as Record<string, unknown> | undefined)?.[child];
    if (value === undefined) continue;
    const fields = out.get(definition.section) ?? {};
    fields[dotted] = value;
    out.set(definition.section, fields);
  }
  return out;
}

function identityOf(data: Record<string, unknown>): SpecIdentity {
  const str = (v: unknown) => (v === undefined ? undefined : String(v));
  const tags = data.tags as Record<string, unknown> | undefined;
  return {
    name: str(data.name),
    version: str(data.version),
    description: str(data.description),
    tags: tags ? Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String(v)])) : undefined,
  };
}

/** Runs every present section's parser, in forwarding order. */
export async function parseSpec(loaded: LoadedSpec, options: ParseOptions): Promise<ParsedSpec> {
  const { hooks, registry, limits } = options;
  const collecting = options.problems;
  const problems = collecting?.problems;
  const report = (error: EnvforgeError): void => {
    if (!problems) throw error;
    problems.push(error);
  };
  checkShape(loaded.data, loaded.locator, limits);
  // Sections a schema problem is in: their parsers would read values of the wrong shape.
  const unreadable = new Set<string>();
  if (!problems) registry.check(loaded.data, loaded.locator);
  else {
    for (const { error, sections } of registry.problems(loaded.data, loaded.locator)) {
      problems.push(error);
      collecting.partial = true;
      for (const s of sections) unreadable.add(s);
    }
  }
  // Sections' parsers share the raw definition and read each other's results: frozen, no plugin
  // can change what another parses or hashes.
  deepFreeze(loaded.data);
  const present = collectSections(loaded, registry);
  const forwarded = new Map<string, ForwardedItem[]>();
  const sections: Record<string, unknown> = {};
  const pending = new Set(present.keys());
  const done = new Set<string>();
  let order: string[] = [];
  let files = 0;

  // Read before the sections: their parsers see it (ParseContext.lock), so a package the lock pins
  // is not reported unpinned (W_UNPINNED).
  const lock = await readLockBeside(loaded, { limits, allowFilesOutsideRoot: options.allowFilesOutsideRoot }).then(
    (read) => (read === undefined ? undefined : deepFreeze(read)),
    (cause: unknown) => {
      if (!isEnvforgeError(cause)) throw cause;
      report(cause);
      return undefined;
    },
  );

  while (pending.size > 0) {
    // The order of what is left is the same minus the section taken, until a forward adds one.
    if (order.length === 0) order = registry.sectionOrder(pending);
    const section = order.shift()!;
    pending.delete(section);
    done.add(section);
    if (unreadable.has(section)) continue;
    const hook = hooks.parseSection.get(section);
    if (!hook || !hook.isUsed()) {
      if (collecting) collecting.partial = true;
      report(createError("E_NO_PLUGIN", `no loaded plugin parses the section "${section}"`, {
        location: loaded.locator.locate([]),
        hint: "load the plugin that handles it; core never hashes a section it cannot read",
      }));
      continue;
    }
    const ctx: ParseContext = {
      spec: loaded,
      section,
      policy: options.policy,
      locate: (path, key) => loaded.locator.locate(path, key),
      readFile: async (request, from) => {
        if (++files > limits.maxReferencedFiles) {
          throw createError("E_INPUT_TOO_LARGE", `more than ${limits.maxReferencedFiles} referenced files`, {
            location: from.location,
            field: from.field,
            hint: "check for include loops (`-r` including itself) or raise `limits.maxReferencedFiles`",
          });
        }
        const absolutePath = await resolveReference(
          request,
          from.baseDir ?? loaded.dir,
          loaded.dir,
          options.allowFilesOutsideRoot,
          from.location,
          from.field,
        );
        const { text: content, digest } = await readTextFile(absolutePath, limits, from.location, from.field);
        const file = { field: from.field, request, absolutePath, content, digest };
        loaded.files.push(file);
        return file;
      },
      parseDocument: (text, file) => parseSourceDocument(text, file),
      forwarded: () => forwarded.get(section) ?? [],
      forward: (to, items) => {
        if (items.length === 0) return;
        if (done.has(to)) throw new Error(`section "${section}" forwarded to "${to}", which was already parsed`);
        const list = forwarded.get(to) ?? [];
        list.push(...items);
        forwarded.set(to, list);
        if (!pending.has(to)) {
          pending.add(to);
          order = [];
        }
      },
      warn: (code, message, location, hint) => options.emit({ type: "warning", code, message, location, hint }),
      report,
      lock,
    };
    let value: unknown;
    try {
      value = await hook.promise(present.get(section) ?? {}, ctx);
    } catch (cause) {
      // Collecting: a failed section is left out and the others go on. A section it forwards to
      // is still parsed with what it got: a missing item can hide a problem, never invent one.
      if (!collecting || !isEnvforgeError(cause)) throw cause;
      collecting.problems.push(cause);
      collecting.partial = true;
      continue;
    }
    if (value !== undefined) sections[section] = deepFreeze(value);
  }

  // The lock beside the definition file (LOCK.md) is a section of its own, core's: present only
  // when a lock exists, so a definition without one hashes exactly as before.
  if (lock !== undefined) sections[LOCK_SECTION] = lock;

  const variables = Object.fromEntries(
    Object.entries((loaded.data.variables as Record<string, unknown> | undefined) ?? {}).map(([k, v]) => [k, String(v)]),
  );
  return { loaded, identity: identityOf(loaded.data), variables, sections: Object.freeze(sections) };
}
