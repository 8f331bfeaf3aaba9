import type { HostPolicy } from "./policy.js";

/**
 * Host variables every build tool (pip, conda, Java) gets, whoever wrote the definition: what a
 * tool needs to run on this machine and reach the network, nothing that holds the host's secrets.
 * Everything else reaches a tool only when the host names it (`policy.passEnv`) or sets it in a
 * builder option's `env`: a tool expands `${NAME}` from its environment (pip does in requirement
 * files), so an unlisted variable could otherwise be sent to any server a definition names.
 */
export const TOOL_ENV_ALLOWLIST: readonly string[] = Object.freeze([
  // Finding programs (pip runs git and compilers; conda runs post-link scripts).
  "PATH",
  // Where caches and per-user files go (pip's cache, git's config); Python falls back to the
  // password database without it, so dropping it would hide nothing.
  "HOME",
  "USER",
  "LOGNAME",
  // Scratch space: a host points these at a disk with room.
  "TMPDIR",
  "TMP",
  "TEMP",
  "XDG_CACHE_HOME",
  // Text encoding of tool output and of file names.
  "LANG",
  "LANGUAGE",
  "LC_*",
  "TZ",
  // The machine's way to the network: without them nothing is downloaded behind a proxy. Their
  // passwords are masked in everything a build writes (toolEnvSecrets).
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "all_proxy",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "ALL_PROXY",
  // The machine's certificate authorities (a company's TLS-inspecting proxy).
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "REQUESTS_CA_BUNDLE",
  "CURL_CA_BUNDLE",
  // Reproducible builds: wheel and archive timestamps.
  "SOURCE_DATE_EPOCH",
  // Windows: Python cannot open sockets or find programs without these.
  "SYSTEMROOT",
  "WINDIR",
  "COMSPEC",
  "PATHEXT",
]);

function listed(name: string, names: readonly string[]): boolean {
  return names.some((n) => (n.endsWith("*") ? name.startsWith(n.slice(0, -1)) : n === name));
}

/**
 * The environment a build tool runs in: the allowlist above, `extra` names a plugin needs for
 * its own tool (`JAVA_HOME`), and the variables the host passes (`policy.passEnv`), from `env`
 * (default: this process's). Builder options' own `env` goes on top, by the caller.
 */
export function toolEnvironment(
  policy: Pick<HostPolicy, "passEnv">,
  extra: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (listed(name, TOOL_ENV_ALLOWLIST) || listed(name, extra) || policy.passEnv.includes(name)) out[name] = value;
  }
  return out;
}

/**
 * What of a tool's environment is a secret: the value of every variable the host passes (it
 * passes them for credentials), and the password of any URL among the allowlisted ones (a proxy's
 * `http://user:password@proxy:3128`), as written and decoded.
 */
export function toolEnvSecrets(policy: Pick<HostPolicy, "passEnv">, env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const name of policy.passEnv) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    out.push(value);
    // As it travels in a URL (a token in an index URL's password).
    if (encodeURIComponent(value) !== value) out.push(encodeURIComponent(value));
  }
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !listed(name, TOOL_ENV_ALLOWLIST)) continue;
    for (const m of value.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s/@:]*:([^\s/@]+)@/gi)) {
      out.push(m[1]!);
      try {
        out.push(decodeURIComponent(m[1]!));
      } catch {
        // not percent-encoded
      }
    }
  }
  return [...new Set(out)];
}
