import { canonicalVersion, malformedOperator, VersionSpecError } from "./version-spec.js";
import { loadRattler, rattlerSync } from "./rattler.js";

/**
 * conda MatchSpecs, parsed per conda's documented rules (conda/models/match_spec.py, "Package
 * search and install specifications") and printed in one canonical form, so that every spelling
 * conda treats alike hashes alike:
 *
 * - `numpy >=1.18` = `numpy>=1.18` = `numpy >= 1.18` (spaces inside the version are dropped);
 * - `numpy=1.18` = `numpy 1.18.*` = `numpy 1.18*` = `numpy[version='1.18.*']` (fuzzy `=`);
 * - `numpy==1.18` = `numpy 1.18` = `numpy[version=1.18]` (exact);
 * - `numpy=1.18=py_0` = `numpy 1.18 py_0` = `numpy==1.18=py_0` (with a build, `=` is exact);
 * - `ipywidgets==8.*` = `ipywidgets 8.*` (conda drops `==` before a lone version);
 * - names are lowercased (conda matches names case-insensitively), builds are not;
 * - `channel::name` and `channel/subdir::name` keep the channel as written.
 *
 * The canonical text is what builders pass to conda/mamba/micromamba:
 * `[channel[/subdir]::]name[ version[ build]]`, or, when the spec carries other keys (md5,
 * build_number…) or a parenthesized version, conda's key-value form `name[key=value,...]` with
 * keys sorted.
 */
export interface MatchSpec {
  /** Lowercased package name; for a package URL, the name taken from its file name. */
  name: string;
  channel?: string | undefined;
  subdir?: string | undefined;
  /** Canonical version constraint; absent means any version. */
  version?: string | undefined;
  build?: string | undefined;
  /** Other key-value fields (`md5`, `sha256`, `build_number`, `license`…), canonicalized. */
  extra: Record<string, string>;
  /** A package file URL (`https://…/numpy-1.26.4-py312h_0.conda`), kept as written. */
  url?: string | undefined;
  /** Fixed to one version (or one file): no `W_UNPINNED` warning. */
  pinned: boolean;
  canonical: string;
}

/** Why a MatchSpec was refused, with what to write instead. */
export class MatchSpecError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    /** Where in the MatchSpec as written the problem is (0-based), when it is one place. */
    readonly offset?: number,
  ) {
    super(message);
  }
}

const NAME = /^[A-Za-z0-9_.-]+$/;
const BUILD = /^[A-Za-z0-9_.*+]+$/;
const PACKAGE_FILE = /\.(tar\.bz2|conda)$/i;
/** Keys conda accepts inside `[...]` besides version, build, channel and subdir. */
const EXTRA_KEYS = ["build_number", "features", "fn", "license", "license_family", "md5", "sha256", "track_features", "url"];
const BRACKET_KEYS = ["build", "channel", "subdir", "version", ...EXTRA_KEYS].sort();
const FORMS_HINT = "valid forms: numpy, numpy=1.26, numpy 1.26.*, numpy>=1.18,<2, numpy==1.26.4=py312h_0, conda-forge::numpy, numpy[version='>=1.18']";

/** Loads the version parser; `parseMatchSpec` may be called synchronously afterwards. */
export async function prepareMatchSpecs(): Promise<void> {
  await loadRattler();
}

export function parseMatchSpec(input: string): MatchSpec {
  // Like conda: everything after `#` is a comment (YAML already strips unquoted ones).
  let spec = input.split("#")[0]!.trim();
  if (spec === "") throw new MatchSpecError(`empty MatchSpec "${input}"`, FORMS_HINT);
  if (/\sif\s/.test(spec)) {
    throw new MatchSpecError(`conditional MatchSpec "${input}" is not supported`, "conda ignores the `if` part of a dependency; write the dependency without it");
  }
  if (spec.endsWith("@")) {
    throw new MatchSpecError(`legacy feature spec "${input}" is not supported`, "use the package that provides the feature, e.g. `mkl`");
  }
  if (PACKAGE_FILE.test(spec)) return packageFile(spec, input);

  const brackets: Record<string, string> = {};
  const open = spec.indexOf("[");
  if (open !== -1) {
    if (!spec.endsWith("]") || spec.indexOf("]") !== spec.length - 1 || spec.indexOf("[", open + 1) !== -1) {
      throw new MatchSpecError(`malformed brackets in "${input}"`, "write one [key=value,...] section, at the end: numpy[version='>=1.18',build=py_0]");
    }
    Object.assign(brackets, parseBrackets(spec.slice(open + 1, -1), input));
    spec = spec.slice(0, open).trim();
  }
  if (spec.includes("(") || spec.includes(")")) {
    throw new MatchSpecError(
      `parentheses in "${input}" are not supported outside brackets`,
      "conda reads `(...)` after a name as options such as (optional); put a grouped version in brackets: numpy[version='(1.6|1.7),<2']",
    );
  }

  let channel: string | undefined;
  let subdir: string | undefined;
  const sep = spec.lastIndexOf("::");
  if (sep !== -1) {
    [channel, subdir] = splitChannel(spec.slice(0, sep), input);
    spec = spec.slice(sep + 2).trim();
  } else if (spec.includes(":")) {
    throw new MatchSpecError(`"${input}" has a single ":"`, "a channel is separated from the name by two colons: conda-forge::numpy");
  }

  const nameMatch = /^([^\s=<>!~]*)([\s\S]*)$/.exec(spec)!;
  const rawName = nameMatch[1]!;
  if (rawName === "" || rawName === "*") {
    throw new MatchSpecError(`no package name in "${input}"`, `a dependency starts with the package's name; ${FORMS_HINT}`);
  }
  if (!NAME.test(rawName)) {
    throw new MatchSpecError(
      `invalid package name "${rawName}" in "${input}"`,
      "package names use letters, digits, '_', '-' and '.'; wildcards are not allowed in a dependency",
    );
  }
  let [version, build] = splitVersionAndBuild(nameMatch[2]!.trim(), input);
  if (version !== undefined) {
    const nameAt = input.indexOf(rawName, sep === -1 ? 0 : input.lastIndexOf("::") + 2);
    checkOperators(version, input, (index) => nonSpaceOffset(input, nameAt + rawName.length, index));
    version = sanitizeVersion(version, build, input);
  }

  if (brackets.version !== undefined) {
    const bracketVersion = brackets.version.replace(/\s+/g, "");
    checkOperators(bracketVersion, input, (_, run) => input.indexOf(run, open));
    version = sanitizeVersion(bracketVersion, undefined, input);
  }
  if (brackets.build !== undefined) build = brackets.build;
  if (brackets.channel !== undefined) {
    const [c, s] = splitChannel(brackets.channel, input);
    channel = c ?? channel;
    subdir = s ?? subdir;
  }
  if (brackets.subdir !== undefined) subdir = brackets.subdir;

  return assemble({ name: rawName.toLowerCase(), channel, subdir, version, build, extra: canonicalExtras(brackets, input) }, input);
}

interface Components {
  name: string;
  channel: string | undefined;
  subdir: string | undefined;
  version: string | undefined;
  build: string | undefined;
  extra: Record<string, string>;
}

function assemble(c: Components, input: string): MatchSpec {
  let version: string | undefined;
  let pinned = false;
  if (c.version !== undefined) {
    try {
      const v = canonicalVersion(c.version);
      version = v.text;
      pinned = v.pinned;
    } catch (cause) {
      if (cause instanceof VersionSpecError) {
        throw new MatchSpecError(`${cause.message} in "${input}"`, "conda versions look like 1.26, 1.26.*, >=1.18,<2, !=1.7, ~=1.10.1 or 1.6|1.7");
      }
      throw cause;
    }
  }
  let build = c.build?.trim();
  if (build !== undefined && !BUILD.test(build)) {
    throw new MatchSpecError(
      `invalid build string "${build}" in "${input}"`,
      "a build string uses letters, digits, '_', '.', '+' and '*' globs, e.g. py312h_0 or *cuda*",
    );
  }
  if (build === "*") build = undefined;
  if (version === "*" && build === undefined) version = undefined;
  if (c.extra.md5 !== undefined || c.extra.sha256 !== undefined) pinned = true;

  const subdirInBrackets = c.subdir !== undefined && c.channel === undefined;
  const head = c.channel === undefined ? c.name : `${c.channel}${c.subdir ? `/${c.subdir}` : ""}::${c.name}`;
  const keyed = Object.keys(c.extra).length > 0 || subdirInBrackets || (version?.includes("(") ?? false);
  let canonical: string;
  if (keyed) {
    const fields: Record<string, string> = { ...c.extra };
    if (version !== undefined) fields.version = version;
    if (build !== undefined) fields.build = build;
    if (subdirInBrackets) fields.subdir = c.subdir!;
    canonical = `${head}[${Object.keys(fields).sort().map((k) => `${k}=${quote(fields[k]!)}`).join(",")}]`;
  } else {
    canonical = [head, version ?? (build ? "*" : undefined), build].filter((p) => p !== undefined).join(" ");
  }
  return { name: c.name, channel: c.channel, subdir: c.subdir, version, build, extra: c.extra, pinned, canonical };
}

function quote(value: string): string {
  return /^[A-Za-z0-9_.*+\-/:]+$/.test(value) ? value : `'${value}'`;
}

/**
 * Splits `>=1.0 , < 2.0 py34_0` into version and build the way conda does: the build is the text
 * after the first space or `=` that does not follow an operator character and is followed only
 * by characters a build string can have. Spaces inside the version are dropped.
 */
function splitVersionAndBuild(rest: string, input: string): [string | undefined, string | undefined] {
  if (rest === "") return [undefined, undefined];
  for (let i = 1; i < rest.length; i++) {
    const ch = rest[i]!;
    if (ch !== " " && ch !== "=") continue; // before slicing: a slice per character was most of the split
    // conda looks at the one character before; looking past spaces also reads `>=  1.2` (two
    // spaces), which conda would split into a version `>=` and a build `1.2`, as meant.
    const before = rest.slice(0, i).trimEnd();
    if (before === "" || "=!|,<>~".includes(before.at(-1)!)) continue;
    const tail = rest.slice(i + 1);
    if (tail.trim() === "" || /[-=,|<>~]/.test(tail)) continue;
    const build = tail.trim();
    if (/\s/.test(build)) {
      throw new MatchSpecError(`too many parts in "${input}"`, "a MatchSpec is `name version build`; the build string has no spaces");
    }
    return [rest.slice(0, i).replace(/\s+/g, ""), build];
  }
  return [rest.replace(/\s+/g, ""), undefined];
}

const OPERATORS_HINT =
  "conda's operators are ==, !=, <, <=, >, >=, ~= and = (starts with), each followed by a version; an exact version may use * globs; " +
  "join constraints with , (and) and | (or): numpy>=1.18,<2, numpy=1.26, numpy 1.26.*, numpy==1.26.4, numpy 1.6|1.7";

/** Refuses a run of operator characters conda does not read as one operator (`===>1`, `=>1`, `<<1`). */
function checkOperators(version: string, input: string, offsetOf: (index: number, run: string) => number): void {
  const bad = malformedOperator(version);
  if (bad === undefined) return;
  const offset = Math.max(0, offsetOf(bad.index, bad.run));
  throw new MatchSpecError(`invalid operator "${bad.run}" in "${input}" (at character ${offset + 1})`, OPERATORS_HINT, offset);
}

/** The offset in `text` of the `count`-th non-space character from `from` (versions are read without spaces). */
function nonSpaceOffset(text: string, from: number, count: number): number {
  let seen = 0;
  for (let i = from; i < text.length; i++) {
    if (/\s/.test(text[i]!)) continue;
    if (seen === count) return i;
    seen++;
  }
  return from;
}

/** conda's reading of a leading `=`: `=1.2` is fuzzy (`1.2*`), `==1.2` exact; with a build both are exact. */
function sanitizeVersion(version: string, build: string | undefined, input: string): string {
  if (version === "" || /^(==|=|>=|<=|!=|~=|>|<)$/.test(version)) {
    throw new MatchSpecError(`missing version after the operator in "${input}"`, "write a version after the operator, e.g. numpy>=1.18, or none for any version");
  }
  if (!version.startsWith("=")) return version;
  const bare = version.replace(/^=+/, "");
  if (version.startsWith("==") && build === undefined) return bare;
  if (/[=,|]/.test(bare)) return version;
  return build === undefined && !bare.endsWith("*") ? `${bare}*` : bare;
}

function splitChannel(text: string, input: string): [string | undefined, string | undefined] {
  const trimmed = text.trim().replace(/\/+$/, "");
  if (trimmed === "") throw new MatchSpecError(`empty channel in "${input}"`, "write the channel before '::', e.g. conda-forge::numpy");
  const slash = trimmed.lastIndexOf("/");
  const last = trimmed.slice(slash + 1);
  const { platformNames } = rattlerSync();
  if (slash !== -1 && (platformNames as readonly string[]).includes(last)) {
    const channel = trimmed.slice(0, slash);
    return [channel === "*" ? undefined : channel, last];
  }
  return [trimmed === "*" ? undefined : trimmed, undefined];
}

/** `key=value` pairs separated by commas or spaces; values may be quoted with ' or ". */
function parseBrackets(body: string, input: string): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  const fail = (what: string) =>
    new MatchSpecError(`${what} in the brackets of "${input}"`, `write [key=value,...] with keys among ${BRACKET_KEYS.join(", ")}; quote values that contain spaces or commas`);
  while (pos < body.length) {
    while (pos < body.length && /[\s,]/.test(body[pos]!)) pos++;
    if (pos >= body.length) break;
    const key = /^[A-Za-z0-9_-]+/.exec(body.slice(pos))?.[0];
    if (!key) throw fail(`unexpected "${body[pos]}"`);
    pos += key.length;
    while (body[pos] === " ") pos++;
    if (body[pos] !== "=") throw fail(`missing "=" after "${key}"`);
    pos++;
    while (body[pos] === " ") pos++;
    let value: string;
    const q = body[pos];
    if (q === "'" || q === '"') {
      const end = body.indexOf(q, pos + 1);
      if (end === -1) throw fail("unterminated quote");
      value = body.slice(pos + 1, end);
      pos = end + 1;
    } else {
      const m = /^[^\s,'"]*/.exec(body.slice(pos))![0];
      value = m;
      pos += m.length;
    }
    const k = key.toLowerCase() === "build_string" ? "build" : key.toLowerCase();
    if (!BRACKET_KEYS.includes(k)) throw fail(`unknown key "${key}"`);
    if (value.trim() === "") throw fail(`empty value for "${key}"`);
    if (k in out) throw fail(`"${key}" given twice`);
    out[k] = value.trim();
  }
  return out;
}

/** Canonical values of the keys that only appear in brackets. */
function canonicalExtras(brackets: Record<string, string>, input: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of EXTRA_KEYS) {
    const value = brackets[key];
    if (value === undefined) continue;
    out[key] = canonicalExtra(key, value, input);
  }
  return out;
}

function canonicalExtra(key: string, value: string, input: string): string {
  const bad = (hint: string) => new MatchSpecError(`invalid ${key} "${value}" in "${input}"`, hint);
  switch (key) {
    case "md5":
      if (!/^[0-9a-fA-F]{32}$/.test(value)) throw bad("an md5 is 32 hexadecimal digits");
      return value.toLowerCase();
    case "sha256":
      if (!/^[0-9a-fA-F]{64}$/.test(value)) throw bad("a sha256 is 64 hexadecimal digits");
      return value.toLowerCase();
    case "build_number": {
      const m = /^(==|!=|>=|<=|>|<)?\s*(\d+)$/.exec(value);
      if (!m) throw bad("a build number is an integer, optionally after an operator: 3, >=2");
      const op = m[1] === "==" || m[1] === undefined ? "" : m[1];
      return `${op}${Number(m[2])}`;
    }
    case "license":
    case "license_family":
      // conda compares these case-insensitively.
      return value.toLowerCase();
    case "features":
    case "track_features":
      return [...new Set(value.split(/[\s,]+/).filter(Boolean))].sort().join(" ");
    default:
      if (/['"]/.test(value)) throw bad("values cannot contain quotes");
      return value;
  }
}

/** `https://…/numpy-1.26.4-py312h_0.conda`: a URL names one file; a local path names no content. */
function packageFile(spec: string, input: string): MatchSpec {
  if (!/^https?:\/\//i.test(spec)) {
    throw new MatchSpecError(
      `local package file "${input}" cannot be hashed by its path`,
      "put the package in a local channel (a folder with <subdir>/repodata.json) and list the channel, or use an https:// URL",
    );
  }
  const file = decodeURIComponent(spec.slice(spec.lastIndexOf("/") + 1)).replace(PACKAGE_FILE, "");
  const parts = file.split("-");
  if (parts.length < 3) throw new MatchSpecError(`"${input}" is not a conda package file name`, "conda package files are named <name>-<version>-<build>.conda or .tar.bz2");
  const name = parts.slice(0, -2).join("-").toLowerCase();
  return { name, extra: {}, url: spec, pinned: true, canonical: spec };
}
