import { createError, hostAllowed, type SourceLocation } from "@envforge/core/plugin-kit";

/** What Spark and Ivy fall back to when a definition names no repository. */
export const MAVEN_CENTRAL = "https://repo1.maven.org/maven2";

const PROTOCOLS = ["http:", "https:", "file:"];

/**
 * An http(s) URL WHATWG parsing leaves as written: lower-case scheme and host (labels of letters,
 * digits and single hyphens, the last starting with a letter, so no IPv4 or punycode rewriting),
 * no port, credentials, query or fragment, and path segments that are neither `.` nor `..` and
 * need no escaping. Most repositories look like this; parsing one costs more than the rest of
 * reading a spark section (issue #19). repositories.test.ts compares it with URL.
 */
export const PLAIN_URL = /^https?:\/\/(?:[a-z0-9]+(?:-[a-z0-9]+)*\.)*[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*\/*$/;

/**
 * A repository URL in canonical form: trimmed, parsed by WHATWG URL rules (scheme and host
 * lower-cased, default port and `..` segments dropped — spellings every client treats alike),
 * trailing slashes removed. Order is kept by the caller: the first repository holding an
 * artifact is the one it comes from.
 */
export function normalizeRepository(text: string, site: { location?: SourceLocation; field?: string } = {}): string {
  // Never echo a password: errors are printed, logged and sent to hosts.
  const shown = text.replace(/\/\/[^/@\s]*@/, "//***@");
  const refuse = (why: string, hint?: string) =>
    createError("E_INVALID_VALUE", `invalid repository URL ${JSON.stringify(shown)}: ${why}`, {
      hint: hint ?? 'write an http(s) or file URL of a Maven-layout repository, e.g. "https://repo1.maven.org/maven2" or "file:///srv/maven"',
      location: site.location,
      field: site.field,
    });
  const trimmed = text.trim();
  // Ivy replaces ${name} in its settings with its own and Java's properties (user.home, …):
  // nothing of the machine may be spliced into where a definition downloads from.
  if (trimmed.includes("${")) {
    throw createError("E_ENV_NOT_ALLOWED", `repository URL ${JSON.stringify(shown)} names a variable (\${…}); repository URLs are used as written`, {
      hint: "write the URL itself; credentials go in the builder option spark.credentials",
      location: site.location,
      field: site.field,
    });
  }
  if (PLAIN_URL.test(trimmed)) return trimmed.replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw refuse(/^[./~]/.test(trimmed) ? "a path, not a URL" : "not a URL");
  }
  if (!PROTOCOLS.includes(url.protocol)) throw refuse(`the scheme "${url.protocol.slice(0, -1)}" is not supported`);
  if (url.username !== "" || url.password !== "") {
    // The definition is hashed, shared and printed: a password in it would leak everywhere.
    throw refuse(
      "it carries credentials",
      "remove user:password@ from the URL and pass them as the builder option spark.credentials (never hashed, never logged)",
    );
  }
  if (url.search !== "" || url.hash !== "") throw refuse("a repository root has no query or fragment");
  if (url.protocol === "file:" && url.host !== "") throw refuse("a file URL must be absolute: file:///path");
  if (url.protocol === "file:" && url.pathname === "/") throw refuse("a file URL must name a folder, not the file system root");
  if (url.protocol !== "file:" && url.host === "") throw refuse("the URL has no host");
  return url.href.replace(/\/+$/, "");
}

/**
 * A repository a definition names must be on a host the policy allows (`policy.indexHosts`;
 * `undefined`: any). `file:` repositories have no host. Takes a normalized URL.
 */
export function checkRepositoryHost(repository: string, allowed: readonly string[] | undefined, site: { location?: SourceLocation; field?: string }): void {
  if (allowed === undefined) return;
  const url = new URL(repository);
  if (url.protocol === "file:" || hostAllowed(url.host, allowed)) return;
  throw createError("E_POLICY", `the repository ${repository} is on the host "${url.host}", which the host policy does not allow`, {
    location: site.location,
    field: site.field,
    hint: allowed.length === 0
      ? "this host allows no package source named by a definition; give repositories as builder options (spark.defaultRepositories)"
      : `allowed hosts: ${allowed.join(", ")} (policy.indexHosts)`,
    details: { host: url.host },
  });
}
