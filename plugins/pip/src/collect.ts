import path from "node:path";
import { createError, isEnvforgeError, type EnvforgeError, type SourceLocation } from "@envforge/core/plugin-kit";
import type { BuildOptionLine, RequirementsBuildOptions } from "@envforge/python";
import type { HashedOption } from "./options.js";
import { interpretRequirement, type PipRequirement } from "./requirement.js";
import { logicalLines, parseLine, type Positioner, type RequirementsLine } from "./requirements-file.js";

type LogicalLine = ReturnType<typeof logicalLines>[number];

/** Reads a file a requirements line includes (`-r`, `-c`), relative to `baseDir`. */
export type IncludeReader = (
  request: string,
  from: { location: SourceLocation; baseDir: string; field: string },
) => Promise<{ absolutePath: string; content: string }>;

/** The pip section after parsing: everything that is hashed, plus the build options beside it. */
export interface PipParsed {
  requirements: PipRequirement[];
  constraints: PipRequirement[];
  options: HashedOption[];
  buildOptions: RequirementsBuildOptions;
  buildOptionLines: BuildOptionLine[];
}

export interface TextSource {
  text: string;
  /** The file the text is from (a requirements file, or the definition for inline items). */
  file: string;
  /** Folder `-r`/`-c`/`--find-links` paths are relative to. */
  baseDir: string;
  field: string;
  /** Set for inline items: their position in the definition (they have no lines of their own). */
  origin?: SourceLocation | undefined;
}

const REMOTE = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * An inline item that is one requirement and nothing else, read as logicalLines and parseLine
 * would read it: it starts with a letter or digit (no BOM, no leading space, no option) and ends
 * with a visible character (nothing to trim), holds no line break, no `#` (a comment) and no `\`
 * (a continuation), and no word after a space starts with `-` (an option). Anything else takes
 * the general reader; collect.test.ts compares the two on generated items.
 */
export const PLAIN_ITEM = /^[A-Za-z0-9](?:[^\s#\\]|[ \t]+[^\s#\\-])*$/;
/** Never written to: interpretRequirement only reads a line's per-requirement options. */
const NO_OPTIONS: string[] = Object.freeze([]) as unknown as string[];

/**
 * Collects requirements, constraints and options from inline items and requirements files,
 * following `-r`/`-c` includes (each file read once; a file including itself, directly or not,
 * is an error).
 */
export class PipCollector {
  readonly parsed: PipParsed = {
    requirements: [],
    constraints: [],
    options: [],
    buildOptions: { extraIndexUrls: [], findLinks: [], trustedHosts: [], noIndex: false },
    buildOptionLines: [],
  };
  readonly #files = new Map<string, string>();

  /**
   * `report` gets each bad line's error: it throws it (the first problem stops the parse) or
   * records it and returns (`engine.validate`: the next line is read).
   */
  constructor(
    private readonly read: IncludeReader,
    private readonly report: (error: EnvforgeError) => void = (error) => {
      throw error;
    },
  ) {}

  /**
   * Reads `source`'s lines. Only an include reads a file: without one, every line is handled at
   * once and nothing is returned (no promise per requirement, where inline items are one each);
   * from the first include on, the rest is read after it, and the promise says when.
   */
  add(source: TextSource, constraint = false, chain: readonly string[] = []): Promise<void> | undefined {
    const origin = source.origin;
    if (origin !== undefined && PLAIN_ITEM.test(source.text)) {
      // What logicalLines and parseLine make of a plain inline item, without their splits,
      // closures and per-line objects (most of the cost of a cold list): one requirement, the
      // whole text, no options, every position the item's own.
      try {
        this.#requirement(source.text, false, NO_OPTIONS, NO_OPTIONS, () => origin, origin, source.field, constraint);
      } catch (cause) {
        this.#fail(cause);
      }
      return undefined;
    }
    return this.#from(logicalLines(source.text, source.file, source.origin), 0, source, constraint, chain);
  }

  #from(logical: LogicalLine[], start: number, source: TextSource, constraint: boolean, chain: readonly string[]): Promise<void> | undefined {
    for (let k = start; k < logical.length; k++) {
      try {
        const lines = parseLine(logical[k]!);
        for (let j = 0; j < lines.length; j++) {
          const line = lines[j]!;
          if (line.kind === "include") return this.#resume(logical, k, lines, j, source, constraint, chain);
          this.#line(line, source, constraint);
        }
      } catch (cause) {
        this.#fail(cause);
      }
    }
    return undefined;
  }

  /** The rest of `source` from its line `lines[j]` (an include) of logical line `k`, as `#from` reads it. */
  async #resume(logical: LogicalLine[], k: number, lines: RequirementsLine[], j: number, source: TextSource, constraint: boolean, chain: readonly string[]): Promise<void> {
    try {
      for (let i = j; i < lines.length; i++) {
        const line = lines[i]!;
        if (line.kind === "include") await this.#include(line.request, line.constraint || constraint, line.location, source, chain);
        else this.#line(line, source, constraint);
      }
    } catch (cause) {
      this.#fail(cause);
    }
    await this.#from(logical, k + 1, source, constraint, chain);
  }

  /** A bad line's error goes to `report` (which throws it, or records it and lets the next line be read). */
  #fail(cause: unknown): void {
    if (!isEnvforgeError(cause)) throw cause;
    this.report(cause);
  }

  #line(line: Exclude<RequirementsLine, { kind: "include" }>, source: TextSource, constraint: boolean): void {
    switch (line.kind) {
      case "requirement":
        this.#requirement(line.text, line.editable, line.hashes, line.configSettings, line.at, line.location, source.field, constraint);
        break;
      case "hashed-option":
        refuseVariable(line.value, `--${line.name}`, line.location, source.field);
        this.parsed.options.push({ name: line.name, value: line.value, location: line.location });
        break;
      case "build-option":
        this.#buildOption({ ...line, baseDir: source.baseDir, field: source.field });
        break;
    }
  }

  #requirement(
    text: string,
    editable: boolean,
    hashes: string[],
    configSettings: string[],
    at: Positioner,
    location: SourceLocation,
    field: string,
    constraint: boolean,
  ): void {
    // An object literal, not a spread of the line: a spread took a slow copy per requirement.
    const req = interpretRequirement({ text, editable, hashes, configSettings, at, location, field });
    if (constraint) this.parsed.constraints.push(checkConstraint(req, editable, field));
    else this.parsed.requirements.push(req);
  }

  #buildOption(line: BuildOptionLine): void {
    const { baseDir } = line;
    const b = this.parsed.buildOptions;
    this.parsed.buildOptionLines.push(line);
    const value = line.value ?? "";
    if (line.name === "index-url") b.indexUrl = value;
    else if (line.name === "extra-index-url") b.extraIndexUrls.push(value);
    else if (line.name === "trusted-host") b.trustedHosts.push(value);
    else if (line.name === "no-index") b.noIndex = true;
    // pip reads a relative --find-links against the requirements file's folder.
    else b.findLinks.push(REMOTE.test(value) ? value : path.resolve(baseDir, value));
  }

  async #include(request: string, constraint: boolean, location: SourceLocation, from: TextSource, chain: readonly string[]) {
    const flag = constraint ? "-c" : "-r";
    if (REMOTE.test(request)) {
      throw createError("E_INVALID_REQUIREMENT", `${flag} ${request}: a remote requirements file is read at build time, so its content cannot be hashed`, {
        location,
        field: from.field,
        hint: "download the file beside the definition and include it by a relative path",
      });
    }
    const absolute = path.resolve(from.baseDir, request);
    if (chain.includes(absolute)) {
      const cycle = [...chain.slice(chain.indexOf(absolute)), absolute].map((f) => path.basename(f)).join(" -> ");
      throw createError("E_INVALID_REQUIREMENT", `requirements files include each other in a cycle: ${cycle}`, {
        location,
        field: from.field,
        hint: `remove the ${flag} line that closes the cycle`,
      });
    }
    let content = this.#files.get(absolute);
    let file = absolute;
    if (content === undefined) {
      const read = await this.read(request, { location, baseDir: from.baseDir, field: from.field });
      content = read.content;
      file = read.absolutePath;
      this.#files.set(absolute, content);
    }
    const source: TextSource = { text: content, file, baseDir: path.dirname(file), field: from.field };
    await this.add(source, constraint, [...chain, absolute]);
  }
}

/**
 * pip expands `${NAME}` on every line it reads. In an option that changes what gets installed the
 * hash would not see the value, so only index options (where pip's own files put tokens) may
 * name a variable, and only one the host passes (env-refs.ts).
 */
function refuseVariable(value: string | undefined, flag: string, location: SourceLocation, field: string): void {
  if (value === undefined || !value.includes("${")) return;
  throw createError("E_INVALID_REQUIREMENT", `${flag} ${value}: an environment variable (\${…}) in an option that changes what gets installed`, {
    location,
    field,
    hint: "write the value itself; only index options (--index-url, --extra-index-url, --find-links, --trusted-host) may use ${NAME}, for a variable the host passes",
  });
}

/** pip's rules for constraints: a named project, no extras, nothing editable. */
function checkConstraint(req: PipRequirement, editable: boolean, field: string): PipRequirement {
  const problem = editable
    ? "a constraint cannot be editable"
    : req.name === undefined
      ? "a constraint must name its project (name==1.0 or name @ url)"
      : /^[^\s[@;]+\[/.test(req.canonical)
        ? "a constraint cannot have extras"
        : undefined;
  if (!problem) return req;
  throw createError("E_INVALID_REQUIREMENT", `${problem}: "${req.written}"`, {
    location: req.location,
    field,
    hint: "constraints only limit versions; write name==1.2.3 or name<2 in a constraints file",
  });
}
