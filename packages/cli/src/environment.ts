/**
 * Every environment variable envforge itself reads, for `envforge --help` and the README's table
 * (test/cli/environment-variables.test.ts fails when a variable the sources read is missing from
 * either). Variables only the tools read (pip's PIP_*, docker's) are named by what passes them.
 */
export interface EnvironmentVariable {
  name: string;
  what: string;
  default: string;
}

export const ENVIRONMENT_VARIABLES: readonly EnvironmentVariable[] = [
  { name: "ENVFORGE_CACHE_DIR", what: "the local cache folder (--cache-dir wins)", default: "$XDG_CACHE_HOME/envforge, else ~/.cache/envforge" },
  { name: "XDG_CACHE_HOME", what: "where the default cache folder goes", default: "~/.cache" },
  { name: "ENVFORGE_REGISTRY_CACHE", what: "a shared image cache in an OCI registry, HOST/REPO (--registry-cache wins)", default: "none" },
  { name: "ENVFORGE_REGISTRY_INSECURE", what: "1: that registry speaks plain HTTP (--registry-insecure)", default: "HTTPS" },
  { name: "ENVFORGE_REGISTRY_CREDENTIALS", what: "a docker config.json with the registry's credentials (--registry-credentials wins)", default: "none" },
  { name: "ENVFORGE_REGISTRY_USERNAME", what: "user name for the registry cache (never read from a definition)", default: "none" },
  { name: "ENVFORGE_REGISTRY_PASSWORD", what: "password or token for the registry cache (masked in all output)", default: "none" },
  { name: "ENVFORGE_COORDINATOR", what: "one build per hash across machines: a Redis server, redis://HOST:PORT (--coordinator wins; needs the registry cache)", default: "none" },
  { name: "ENVFORGE_COORDINATOR_USERNAME", what: "user name for the coordinator (never in its URL)", default: "none" },
  { name: "ENVFORGE_COORDINATOR_PASSWORD", what: "password for the coordinator (masked in all output)", default: "none" },
  { name: "ENVFORGE_IVY_JAR", what: "the Apache Ivy jar that resolves spark packages (builder option spark.ivyJar wins)", default: "/usr/share/java/ivy.jar" },
  { name: "JAVA_HOME", what: "the Java that runs Ivy (builder option spark.java wins)", default: "java on PATH" },
  { name: "ENVFORGE_QUICK", what: "0: never answer a cached build before the full CLI loads (the quick path)", default: "on" },
  { name: "ENVFORGE_CONFIG", what: "the config file that lists plugins to load (0: none), instead of envforge.config.{mjs,js,json} found upward", default: "searched from the working folder up to the repository root" },
  { name: "ENVFORGE_DEBUG", what: "any value: print the stack trace of an internal error", default: "off" },
  { name: "NO_COLOR", what: "any value: no colours on a terminal", default: "colours on a terminal" },
  { name: "COLUMNS", what: "the width of the live progress view when the terminal does not say", default: "the terminal's width, else 100" },
  { name: "DOCKER_HOST", what: "the docker engine images are built on and checked against (also DOCKER_CONTEXT, DOCKER_CONFIG)", default: "the local socket" },
  { name: "PIP_*", what: "the host's pip settings: passed to pip only with -o pip.inheritPipConfig=true", default: "not passed" },
  { name: "HTTPS_PROXY", what: "with HTTP_PROXY, NO_PROXY, SSL_CERT_FILE and the rest of the tool allowlist: passed to every build tool; any other variable only with --pass-env", default: "as set" },
];

/** The "Environment variables:" section of `envforge --help`. */
export function environmentHelp(): string {
  const width = Math.max(...ENVIRONMENT_VARIABLES.map((v) => v.name.length)) + 2;
  const rows = ENVIRONMENT_VARIABLES.map((v) => `  ${v.name.padEnd(width)}${v.what}; default: ${v.default}`);
  return `\nEnvironment variables:\n${rows.join("\n")}\n`;
}
