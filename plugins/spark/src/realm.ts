import { anyWithTimeout } from "@envforge/core/plugin-kit";
import type { MavenCoordinate } from "./coordinates.js";
import type { RepositoryCredentials } from "./options.js";

const PROBE_TIMEOUT_MS = 10_000;

/** The realm of a `WWW-Authenticate: Basic realm="…"` challenge. */
export function basicRealm(header: string | null): string | undefined {
  if (!header) return undefined;
  const match = /basic\s+(?:[^,]*,\s*)*realm\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/i.exec(header);
  if (!match) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, "$1") : match[2];
}

function pomUrl(repository: string, c: MavenCoordinate): string {
  return `${repository}/${c.group.split(".").join("/")}/${c.artifact}/${c.version}/${c.artifact}-${c.version}.pom`;
}

/**
 * Ivy hands credentials to Java only when both host and realm match the server's challenge, and
 * users rarely know a repository's realm. So for credentials given without one, ask each HTTP
 * repository on that host once (anonymously: no secret leaves the machine) and add the realm it
 * names. A probe that fails changes nothing; Ivy's own error then says what went wrong.
 */
export async function completeRealms(
  credentials: readonly RepositoryCredentials[],
  repositories: readonly string[],
  firstPackage: MavenCoordinate | undefined,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<RepositoryCredentials[]> {
  const out = [...credentials];
  for (const c of credentials) {
    if (c.realm !== undefined) continue;
    for (const repository of repositories) {
      const url = new URL(repository);
      if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname !== c.host) continue;
      const probes = [`${repository}/`, ...(firstPackage ? [pomUrl(repository, firstPackage)] : [])];
      for (const probe of probes) {
        const realm = await challengeRealm(probe, signal);
        if (realm === undefined) continue;
        if (!out.some((o) => o.host === c.host && o.realm === realm)) {
          out.push({ ...c, realm });
          log(`repository ${repository} asks for realm "${realm}"; using the credentials given for ${c.host}`);
        }
        break;
      }
    }
  }
  return out;
}

async function challengeRealm(url: string, signal: AbortSignal): Promise<string | undefined> {
  const probe = anyWithTimeout([signal], PROBE_TIMEOUT_MS);
  try {
    const response = await fetch(url, { method: "HEAD", redirect: "manual", signal: probe.signal });
    return response.status === 401 ? basicRealm(response.headers.get("www-authenticate")) : undefined;
  } catch {
    signal.throwIfAborted();
    return undefined;
  } finally {
    probe.clear();
  }
}
