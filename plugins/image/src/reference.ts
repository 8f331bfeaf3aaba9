import dockerReference from "@swimlane/docker-reference";
import { createError, type SourceLocation } from "@envforge/core/plugin-kit";

// The package is CommonJS; its named exports are not visible to Node's ESM loader.
const { parseFamiliarName } = dockerReference;

/** Where a value was written, so an error about it can point there. */
export interface ValueSite {
  location?: SourceLocation | undefined;
  field?: string | undefined;
}

export interface ImageReference {
  /** Registry host (and port): `docker.io`, `localhost:5000`. */
  domain: string;
  /** Path inside the registry: `library/python`. */
  repository: string;
  tag?: string | undefined;
  digest?: string | undefined;
  /** The fully-qualified form that is hashed: `docker.io/library/python:3.11`. */
  reference: string;
}

/** Digest algorithms Docker's own digest package accepts, with their hex lengths. */
const DIGEST_HEX: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

const REFERENCE_HINT =
  "an image reference is [registry/]name[:tag][@sha256:<64 hex>], lowercase name, e.g. python:3.11-slim or ghcr.io/org/image@sha256:…";

/**
 * Fully qualifies an image reference the way Docker does (`python:3.11` →
 * `docker.io/library/python:3.11`; a name alone means `:latest`). A digest stays part of the
 * reference, with the tag when both are written: they pin different things and a reader of the
 * canonical form should see both. Docker's grammar comes from @swimlane/docker-reference; it does
 * not add `:latest` itself, so that rule (Docker's `TagNameOnly`) is applied here.
 */
export function normalizeImageReference(text: string, site: ValueSite = {}): ImageReference {
  const written = text.trim();
  const refuse = (why: string) =>
    createError("E_INVALID_IMAGE_REFERENCE", `invalid image reference ${JSON.stringify(text)}: ${why}`, {
      hint: REFERENCE_HINT,
      location: site.location,
      field: site.field,
    });
  if (written === "") throw refuse("it is empty");
  // The library's regular expressions backtrack exponentially on some invalid names
  // (`aaaaaaaaaaaaaaaaaaaa!` takes minutes), so only text already known to follow the grammar
  // reaches it; it then only has to split and qualify.
  const problem = grammarProblem(written);
  if (problem) throw refuse(problem);
  let parsed;
  try {
    parsed = parseFamiliarName(written);
  } catch (cause) {
    throw refuse((cause as Error).message.replace(/^invalid reference format:?\s*/, "") || "it does not follow Docker's reference grammar");
  }
  const domain = parsed.domain;
  const repository = parsed.repository;
  if (!domain || !repository) throw refuse("it has no repository name");
  const digest = parsed.digest;
  if (digest !== undefined) {
    const [algorithm = "", hex = ""] = digest.split(":");
    const length = DIGEST_HEX[algorithm];
    if (length === undefined) throw refuse(`unsupported digest algorithm "${algorithm}" (sha256, sha384 or sha512)`);
    if (!new RegExp(`^[0-9a-f]{${length}}$`).test(hex)) {
      throw refuse(`a ${algorithm} digest is ${length} lowercase hex characters`);
    }
  }
  // Docker's TagNameOnly: only a reference with neither tag nor digest means `:latest`.
  const tag = parsed.tag ?? (digest === undefined ? "latest" : undefined);
  const reference = `${domain}/${repository}${tag === undefined ? "" : `:${tag}`}${digest === undefined ? "" : `@${digest}`}`;
  return { domain, repository, tag, digest, reference };
}

/** Docker's limit on a repository name (distribution/reference `NameTotalLengthMax`). */
const NAME_MAX = 255;
// Each pattern has mandatory separators between repeated parts, so matching is linear.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const PORT = /^[0-9]+$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/**
 * Checks Docker's reference grammar (distribution/reference) in linear time; returns what is
 * wrong, or undefined. Mirrors the familiar-name rule: the first part is a registry when it has a
 * `.` or `:` or is `localhost`, and there is more after it.
 */
function grammarProblem(text: string): string | undefined {
  if (text.length > NAME_MAX + 1 + 128 + 1 + 200) return "it is too long";
  const at = text.indexOf("@");
  let rest = text;
  if (at >= 0) {
    if (!DIGEST.test(text.slice(at + 1))) return "the part after @ is not a digest (algorithm:hex)";
    rest = text.slice(0, at);
  }
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    if (!TAG.test(rest.slice(colon + 1))) return "the tag may only hold letters, digits, _ . - (at most 128, not starting with . or -)";
    rest = rest.slice(0, colon);
  }
  if (rest.length > NAME_MAX) return `the repository name is longer than ${NAME_MAX} characters`;
  const parts = rest.split("/");
  const first = parts[0]!;
  if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost")) {
    // IPv6 hosts (`[::1]:5000`) are not in the grammar the library implements.
    const [host = "", port, extra] = first.split(":");
    const hostOk = host.split(".").every((c) => DOMAIN_COMPONENT.test(c));
    if (!hostOk || extra !== undefined || (port !== undefined && !PORT.test(port))) return `"${first}" is not a registry host[:port]`;
    parts.shift();
  }
  for (const part of parts) {
    if (PATH_COMPONENT.test(part)) continue;
    if (PATH_COMPONENT.test(part.toLowerCase())) return "repository name must be lowercase";
    return part === "" ? "it has an empty path component" : `"${part}" is not a valid name component (lowercase letters, digits, and . _ __ - between them)`;
  }
  return undefined;
}

/** True when `text` is a valid image reference (familiar or fully qualified). */
export function isImageReference(text: string): boolean {
  try {
    normalizeImageReference(text);
    return true;
  } catch {
    return false;
  }
}
