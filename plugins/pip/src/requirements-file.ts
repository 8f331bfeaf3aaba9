import { createError, type EnvforgeError, type SourceLocation } from "@envforge/core/plugin-kit";
import type { BuildOptionName } from "@envforge/python";

/**
 * The line syntax of pip requirements files (pip's `req_file.py`): `\` continuations, comments
 * (a `#` at the start or after whitespace), options lines, and per-requirement options. The same
 * syntax applies to each item of an inline `pip:` list, so a file and the same lines inline are
 * the same input.
 */

/** Maps an offset in a logical line back to where it was written. */
export type Positioner = (offset: number) => SourceLocation;

/** Options pip accepts on their own line; `hashed` ones change what gets installed. */
export const LINE_OPTIONS = {
  "--index-url": { name: "index-url", takesValue: true, kind: "build" },
  "-i": { name: "index-url", takesValue: true, kind: "build" },
  "--extra-index-url": { name: "extra-index-url", takesValue: true, kind: "build" },
  "--no-index": { name: "no-index", takesValue: false, kind: "build" },
  "--find-links": { name: "find-links", takesValue: true, kind: "build" },
  "-f": { name: "find-links", takesValue: true, kind: "build" },
  "--trusted-host": { name: "trusted-host", takesValue: true, kind: "build" },
  "--requirement": { name: "requirement", takesValue: true, kind: "include" },
  "-r": { name: "requirement", takesValue: true, kind: "include" },
  "--constraint": { name: "constraint", takesValue: true, kind: "include" },
  "-c": { name: "constraint", takesValue: true, kind: "include" },
  "--editable": { name: "editable", takesValue: true, kind: "editable" },
  "-e": { name: "editable", takesValue: true, kind: "editable" },
  "--pre": { name: "pre", takesValue: false, kind: "hashed" },
  "--no-binary": { name: "no-binary", takesValue: true, kind: "hashed" },
  "--only-binary": { name: "only-binary", takesValue: true, kind: "hashed" },
  "--prefer-binary": { name: "prefer-binary", takesValue: false, kind: "hashed" },
  "--require-hashes": { name: "require-hashes", takesValue: false, kind: "hashed" },
  "--use-feature": { name: "use-feature", takesValue: true, kind: "hashed" },
} as const;

/** Options allowed after a requirement on the same line. */
const REQUIREMENT_OPTIONS = new Set(["--hash", "--config-settings"]);

export type HashedOptionName = "pre" | "no-binary" | "only-binary" | "prefer-binary" | "require-hashes" | "use-feature";

export type RequirementsLine =
  | {
      kind: "requirement";
      /** The requirement part, without per-requirement options. */
      text: string;
      editable: boolean;
      hashes: string[];
      configSettings: string[];
      /** Positions inside `text`. */
      at: Positioner;
      location: SourceLocation;
    }
  | { kind: "include"; constraint: boolean; request: string; location: SourceLocation }
  | { kind: "build-option"; name: BuildOptionName; flag: string; value: string | undefined; location: SourceLocation }
  | { kind: "hashed-option"; name: HashedOptionName; value: string | undefined; location: SourceLocation };

interface LogicalLine {
  text: string;
  at: Positioner;
}

const COMMENT = /(^|[ \t]+)#.*$/;

/**
 * Splits a requirements file into logical lines: continuations joined, comments and blank lines
 * dropped. Offsets in a joined line still map to the physical line and column they came from.
 */
export function logicalLines(text: string, file: string, origin?: SourceLocation): LogicalLine[] {
  const physical = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const out: LogicalLine[] = [];
  // Segments of the logical line being built: where each physical piece starts.
  let pieces: Array<{ offset: number; line: number }> = [];
  let buffer = "";
  const flush = () => {
    const stripped = buffer.replace(COMMENT, "");
    const lead = stripped.length - stripped.trimStart().length;
    const body = stripped.trim();
    if (body !== "") {
      const segs = pieces;
      out.push({
        text: body,
        at: (offset) => {
          // Inline items have no lines of their own: report the item's own position.
          if (origin) return origin;
          const absolute = offset + lead;
          let seg = segs[0]!;
          for (const s of segs) if (s.offset <= absolute) seg = s;
          return { file, line: seg.line, column: absolute - seg.offset + 1 };
        },
      });
    }
    pieces = [];
    buffer = "";
  };
  physical.forEach((line, index) => {
    pieces.push({ offset: buffer.length, line: index + 1 });
    // pip (`join_lines`): a line ending in `\` continues on the next, unless it is a comment line;
    // a comment line ends a continuation (the space makes sure its `#` still starts a comment).
    const comment = /^[ \t]*#/.test(line);
    if (line.endsWith("\\") && !comment) {
      buffer += line.slice(0, -1);
      return;
    }
    buffer += comment && buffer !== "" ? ` ${line}` : line;
    flush();
  });
  if (buffer !== "" || pieces.length > 0) flush();
  return out;
}

/** Splits on whitespace honouring quotes, like the `shlex.split` pip runs on an options part. */
function shellWords(text: string, at: Positioner, offset: number): Array<{ word: string; offset: number }> {
  const words: Array<{ word: string; offset: number }> = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /[ \t]/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const start = i;
    let word = "";
    while (i < text.length && !/[ \t]/.test(text[i]!)) {
      const c = text[i]!;
      if (c === "'" || c === '"') {
        const close = text.indexOf(c, i + 1);
        if (close < 0) throw invalid(`unterminated ${c} quote`, at(offset + i), "close the quote");
        word += text.slice(i + 1, close);
        i = close + 1;
      } else {
        word += c;
        i++;
      }
    }
    words.push({ word, offset: offset + start });
  }
  return words;
}

/** How a requirement can start: a project name, a path (`.`, `/`, `~`), a URL, a `${VAR}` pip expands. */
const REQUIREMENT_START = /^[A-Za-z0-9._/~$\\]/;

function invalid(message: string, location: SourceLocation, hint: string): EnvforgeError {
  return createError("E_INVALID_REQUIREMENT", message, { location, hint });
}

const OPTION_HINT =
  "options pip reads in requirements files: -r/--requirement, -c/--constraint, -i/--index-url, --extra-index-url, " +
  "--no-index, -f/--find-links, --trusted-host, --pre, --no-binary, --only-binary, --prefer-binary, --require-hashes, " +
  "--use-feature; after a requirement: --hash, --config-settings";

/** Reads `--name value`, `--name=value` or `-xvalue` at words[i]; returns the value and words used. */
function optionValue(
  words: Array<{ word: string; offset: number }>,
  i: number,
  flag: string,
  at: Positioner,
): { value: string; used: number } {
  const w = words[i]!.word;
  if (w.startsWith(`${flag}=`)) return { value: w.slice(flag.length + 1), used: 1 };
  if (w !== flag && !flag.startsWith("--")) return { value: w.slice(flag.length), used: 1 };
  const next = words[i + 1];
  if (!next || next.word.startsWith("-")) throw invalid(`${flag} needs a value`, at(words[i]!.offset), `write ${flag} <value>`);
  return { value: next.word, used: 2 };
}

/** Which known option a word is (`--index-url=x`, `-rfile` and `-r` all count). */
function matchOption(word: string, table: Iterable<string>): string | undefined {
  for (const flag of table) {
    if (word === flag || word.startsWith(`${flag}=`)) return flag;
    if (!flag.startsWith("--") && word.startsWith(flag) && word.length > flag.length) return flag;
  }
  return undefined;
}

/** Parses one logical line into what it means. */
export function parseLine(line: LogicalLine): RequirementsLine[] {
  const { text, at } = line;
  // pip (`break_args_options`): the requirement is everything before the first word starting with `-`.
  const tokens = text.split(/([ \t]+)/);
  let argsEnd = 0;
  for (let offset = 0, k = 0; k < tokens.length; k++) {
    const tok = tokens[k]!;
    if (k % 2 === 0 && tok.startsWith("-")) {
      argsEnd = offset;
      break;
    }
    offset += tok.length;
    argsEnd = offset;
  }
  const args = text.slice(0, argsEnd).trimEnd();
  const words = shellWords(text.slice(argsEnd), at, argsEnd);
  if (args !== "") return [requirementLine(args, 0, words, at)];
  return optionsLine(words, at);
}

function requirementLine(
  args: string,
  argsOffset: number,
  words: Array<{ word: string; offset: number }>,
  at: Positioner,
): RequirementsLine & { kind: "requirement" } {
  // Said before anything about the options after it: `; rm -rf /` is no requirement (and its
  // `-rf` no `-r`): the line is a shell command, or a typo.
  if (!REQUIREMENT_START.test(args)) {
    throw invalid(
      `"${args}" is not a requirement: a requirement starts with a project name, a path or a URL, not "${args[0]}"`,
      at(argsOffset),
      `a line is a requirement (numpy==1.26, ./pkg, https://…/pkg.whl) or starts with an option; ${OPTION_HINT}`,
    );
  }
  const hashes: string[] = [];
  const configSettings: string[] = [];
  for (let i = 0; i < words.length; ) {
    const w = words[i]!;
    const flag = matchOption(w.word, REQUIREMENT_OPTIONS);
    if (!flag) {
      const known = matchOption(w.word, Object.keys(LINE_OPTIONS));
      throw invalid(
        known
          ? `${known} must be on a line of its own, not after the requirement "${args}"`
          : `unknown option "${w.word}" after the requirement "${args}"`,
        at(w.offset),
        OPTION_HINT,
      );
    }
    const { value, used } = optionValue(words, i, flag, at);
    (flag === "--hash" ? hashes : configSettings).push(value);
    i += used;
  }
  const textAt: Positioner = (offset) => at(argsOffset + offset);
  return { kind: "requirement", text: args, editable: false, hashes, configSettings, at: textAt, location: textAt(0) };
}

function optionsLine(words: Array<{ word: string; offset: number }>, at: Positioner): RequirementsLine[] {
  const out: RequirementsLine[] = [];
  for (let i = 0; i < words.length; ) {
    const w = words[i]!;
    const flag = matchOption(w.word, Object.keys(LINE_OPTIONS)) as keyof typeof LINE_OPTIONS | undefined;
    const location = at(w.offset);
    if (!flag) {
      const perRequirement = matchOption(w.word, REQUIREMENT_OPTIONS);
      throw invalid(
        perRequirement ? `${perRequirement} must follow a requirement on the same line` : `unknown option "${w.word}"`,
        location,
        OPTION_HINT,
      );
    }
    const spec = LINE_OPTIONS[flag];
    let value: string | undefined;
    if (spec.takesValue) {
      const read = optionValue(words, i, flag, at);
      value = read.value;
      i += read.used;
    } else {
      if (w.word !== flag) throw invalid(`${flag} takes no value`, location, `write ${flag} alone`);
      i += 1;
    }
    if (spec.kind === "include") out.push({ kind: "include", constraint: spec.name === "constraint", request: value!, location });
    else if (spec.kind === "editable") {
      // `-e` names one requirement; per-requirement options may follow it, like pip.
      const valueOffset = w.word === flag ? words[i - 1]!.offset : w.offset + w.word.length - value!.length;
      out.push({ ...requirementLine(value!, valueOffset, words.slice(i), at), editable: true });
      break;
    } else if (spec.kind === "build") out.push({ kind: "build-option", name: spec.name, flag, value, location });
    else out.push({ kind: "hashed-option", name: spec.name, value, location });
  }
  return out;
}

/** Every line of a requirements text, parsed. `origin` is set for inline items (no lines of their own). */
export function parseRequirementsText(text: string, file: string, origin?: SourceLocation): RequirementsLine[] {
  return logicalLines(text, file, origin).flatMap(parseLine);
}
