import { DockerfileParser, Keyword, type Dockerfile, type Instruction } from "dockerfile-ast";
import { didYouMean, EnvforgeError, type SourceLocation } from "@envforge/core";
import { normalizeImageReference, type ValueSite } from "./reference.js";

const KEYWORDS: string[] = Object.values(Keyword);
const KEYWORD_HINT = `a Dockerfile instruction: ${KEYWORDS.filter((k) => k !== "FROM").join(", ")}`;

/**
 * Appended after a piece of Dockerfile text to prove the text is complete: if the sentinel does not
 * parse as its own instruction, the text ends in a line continuation or an unterminated heredoc
 * and would swallow whatever the generator writes after it.
 */
const SENTINEL = "LABEL dev.envforge.sentinel=1";

/** CRLF = LF (and a lone CR), one trailing newline: line endings and trailing blank lines never change a build. */
export function normalizeDockerfileText(text: string): string {
  const lf = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const trimmed = lf.replace(/\s+$/, "");
  return trimmed === "" ? "" : `${trimmed}\n`;
}

/** A step as it is hashed: line endings normalized, outer whitespace dropped. */
export function normalizeStep(text: string): string {
  return text.replace(/\r\n?/g, "\n").trim();
}

function parseWithSentinel(text: string): { dockerfile: Dockerfile; instructions: Instruction[]; complete: boolean } {
  const dockerfile = DockerfileParser.parse(`${text}\n${SENTINEL}`);
  const all = dockerfile.getInstructions();
  const last = all[all.length - 1];
  const complete = last !== undefined && last.getKeyword() === "LABEL" && last.getArgumentsContent() === SENTINEL.slice(6);
  return { dockerfile, instructions: complete ? all.slice(0, -1) : all, complete };
}

/** Where an instruction sits, given where its text starts in a file. */
export type Locate = (line0: number, character0: number) => SourceLocation | undefined;

export interface CheckSite extends ValueSite {
  /** Maps a 0-based position inside the checked text to a position in the user's file. */
  locate: Locate;
  /** What the text is, for messages: `docker.steps[2]`, `./Dockerfile`. */
  what: string;
}

function at(site: CheckSite, instruction: Instruction): SourceLocation | undefined {
  const start = instruction.getRange().start;
  return site.locate(start.line, start.character) ?? site.location;
}

function checkKeyword(instruction: Instruction, site: CheckSite): void {
  const keyword = instruction.getKeyword();
  if (KEYWORDS.includes(keyword)) return;
  const guess = didYouMean(keyword, KEYWORDS);
  throw new EnvforgeError({
    code: "E_INVALID_VALUE",
    message: `${site.what}: "${instruction.getInstruction()}" is not a Dockerfile instruction${guess ? `; did you mean "${guess}"?` : ""}`,
    hint: KEYWORD_HINT,
    location: at(site, instruction),
    field: site.field,
  });
}

/**
 * Files from the build context are refused: envforge's context holds only generated files, and a
 * file read from the user's disk at build time would change the image without changing the hash.
 */
function checkNoContextFiles(instruction: Instruction, site: CheckSite): void {
  const keyword = instruction.getKeyword();
  const refuse = (what: string) =>
    new EnvforgeError({
      code: "E_INVALID_VALUE",
      message: `${site.what}: ${keyword} ${what} from the build context, which is not part of the environment's hash`,
      hint: "inline the file with a heredoc (COPY <<EOF /path … EOF), copy it from an image or stage (--from=…), or fetch it in a RUN step",
      location: at(site, instruction),
      field: site.field,
    });
  const flags = "getFlags" in instruction ? (instruction as unknown as { getFlags(): FlagLike[] }).getFlags() : [];
  if (keyword === "COPY" || keyword === "ADD") {
    if (flags.some((f) => f.getName().toLowerCase() === "from")) return;
    for (const source of copySources(instruction)) {
      if (source.startsWith("<<")) continue;
      if (keyword === "ADD" && (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^git@/.test(source))) continue;
      throw refuse(`copies "${source}"`);
    }
  }
  if (keyword === "RUN") {
    for (const flag of flags) {
      if (flag.getName().toLowerCase() !== "mount") continue;
      const options = new Map(flag.getOptions().map((o) => [o.getName().toLowerCase(), o.getValue() ?? ""]));
      if ((options.get("type") ?? "bind") === "bind" && !options.has("from")) throw refuse("mounts files");
    }
  }
}

interface FlagLike {
  getName(): string;
  getOptions(): Array<{ getName(): string; getValue(): string | null }>;
}

/** The sources of a COPY/ADD (every argument but the destination), from its first line. */
function copySources(instruction: Instruction): string[] {
  const raw = (instruction.getRawArgumentsContent() ?? "").split("\n")[0]!.trim();
  let args: string[];
  if (raw.startsWith("[")) {
    try {
      const json = JSON.parse(instruction.getArgumentsContent() ?? raw) as unknown;
      args = Array.isArray(json) ? json.map(String) : [];
    } catch {
      args = raw.split(/\s+/);
    }
  } else {
    args = raw.split(/\s+/).filter((a) => !a.startsWith("--"));
  }
  return args.slice(0, -1);
}

/**
 * Validates one custom step: exactly one complete Dockerfile instruction, never FROM, reading
 * nothing from the build context (unless `allowContextFiles`: generated fragments copy the files
 * they put there themselves).
 */
export function checkStep(step: string, site: CheckSite, options: { allowContextFiles?: boolean } = {}): void {
  const { instructions, complete } = parseWithSentinel(step);
  const base = { location: site.location, field: site.field };
  if (instructions.length === 0) {
    throw new EnvforgeError({ code: "E_INVALID_VALUE", message: `${site.what} is empty`, hint: KEYWORD_HINT, ...base });
  }
  if (!complete) {
    throw new EnvforgeError({
      code: "E_INVALID_VALUE",
      message: `${site.what} is not a complete instruction: it ends in a line continuation or an unterminated heredoc`,
      hint: "remove the trailing backslash, or close the heredoc with its delimiter on a line of its own",
      ...base,
    });
  }
  if (instructions.length > 1) {
    throw new EnvforgeError({
      code: "E_INVALID_VALUE",
      message: `${site.what} holds ${instructions.length} instructions (${instructions.map((i) => i.getKeyword()).join(", ")}); each step must be exactly one`,
      hint: "split it into one list item per instruction, or join shell commands with && inside one RUN",
      ...base,
    });
  }
  const instruction = instructions[0]!;
  checkKeyword(instruction, site);
  if (instruction.getKeyword() === "FROM") {
    throw new EnvforgeError({
      code: "E_INVALID_VALUE",
      message: `${site.what}: FROM is not allowed in steps`,
      hint: "set the base image with docker.baseImage, or use docker.baseDockerfile for a multi-stage base",
      ...base,
    });
  }
  if (!options.allowContextFiles) checkNoContextFiles(instruction, site);
}

/** Validates a base Dockerfile: a real Dockerfile with a FROM, complete, default escape character. */
export function checkBaseDockerfile(content: string, site: CheckSite): void {
  const { dockerfile, instructions, complete } = parseWithSentinel(content);
  if (dockerfile.getEscapeCharacter() !== "\\") {
    throw new EnvforgeError({
      code: "E_INVALID_VALUE",
      message: `${site.what} sets the escape character to "${dockerfile.getEscapeCharacter()}"`,
      hint: "remove the `# escape=` directive: envforge appends instructions that use the default escape character \\",
      location: site.locate(0, 0) ?? site.location,
      field: site.field,
    });
  }
  for (const instruction of instructions) checkKeyword(instruction, site);
  const first = instructions.find((i) => i.getKeyword() !== "ARG");
  if (!first || first.getKeyword() !== "FROM") {
    throw new EnvforgeError({
      code: "E_INVALID_VALUE",
      message: `${site.what} is not a Dockerfile: ${first ? `its first instruction is ${first.getKeyword()}, not FROM` : "it has no FROM instruction"}`,
      hint: "a base Dockerfile starts with FROM <image> (only ARG may come before it)",
      location: first ? at(site, first) : site.location,
      field: site.field,
    });
  }
  if (!complete) {
    throw new EnvforgeError({
      code: "E_INVALID_VALUE",
      message: `${site.what} ends in a line continuation or an unterminated heredoc`,
      hint: "remove the trailing backslash, or close the heredoc with its delimiter on a line of its own",
      location: site.location,
      field: site.field,
    });
  }
  const stages = new Set<string>();
  for (const from of dockerfile.getFROMs()) {
    const image = from.getImage();
    const stage = from.getBuildStage();
    if (image && !image.includes("$") && image !== "scratch" && !stages.has(image.toLowerCase())) {
      const range = from.getImageRange()?.start ?? from.getRange().start;
      normalizeImageReference(image, { location: site.locate(range.line, range.character) ?? site.location, field: site.field });
    }
    if (stage) stages.add(stage.toLowerCase());
  }
  for (const instruction of instructions) checkNoContextFiles(instruction, site);
}

/** A locator for text that is a whole file: parser positions are file positions. */
export function fileLocator(file: string): Locate {
  return (line, character) => ({ file, line: line + 1, column: character + 1 });
}
