import path from "node:path";
import { createError, isEnvforgeError, type EnvforgeError, type SourceLocation } from "@envforge/core/plugin-kit";
import type { BuildOptionLine, RequirementsBuildOptions } from "@envforge/python";
import type { HashedOption } from "./options.js";
import { interpretRequirement, type PipRequirement } from "./requirement.js";
import { logicalLines, parseLine, type RequirementsLine } from "./requirements-file.js";

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

  async add(source: TextSource, constraint = false, chain: readonly string[] = []): Promise<void> {
    for (const logical of logicalLines(source.text, source.file, source.origin)) {
      try {
        for (const line of parseLine(logical)) await this.#line(line, source, constraint, chain);
      } catch (cause) {
        if (!isEnvforgeError(cause)) throw cause;
        this.report(cause);
      }
    }
  }

  async #line(line: RequirementsLine, source: TextSource, constraint: boolean, chain: readonly string[]): Promise<void> {
    switch (line.kind) {
      case "requirement": {
        const req = interpretRequirement({ ...line, field: source.field });
        if (constraint) this.parsed.constraints.push(checkConstraint(req, line.editable, source.field));
        else this.parsed.requirements.push(req);
        break;
      }
      case "hashed-option":
        refuseVariable(line.value, `--${line.name}`, line.location, source.field);
        this.parsed.options.push({ name: line.name, value: line.value, location: line.location });
        break;
      case "build-option":
        this.#buildOption({ ...line, baseDir: source.baseDir, field: source.field });
        break;
      case "include":
        await this.#include(line.request, line.constraint || constraint, line.location, source, chain);
        break;
    }
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
