import dockerReference from "@swimlane/docker-reference";
import { EnvforgeError, type SourceLocation } from "@envforge/core";

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
    new EnvforgeError({
      code: "E_INVALID_IMAGE_REFERENCE",
      message: `invalid image reference ${JSON.stringify(text)}: ${why}`,
      hint: REFERENCE_HINT,
      location: site.location,
      field: site.field,
    });
  if (written === "") throw refuse("it is empty");
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

/** True when `text` is a valid image reference (familiar or fully qualified). */
export function isImageReference(text: string): boolean {
  try {
    normalizeImageReference(text);
    return true;
  } catch {
    return false;
  }
}
