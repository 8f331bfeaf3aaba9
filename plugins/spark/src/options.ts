import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createError, hostPath, hostProgram, z } from "@envforge/core/plugin-kit";
import { MAVEN_CENTRAL, normalizeRepository } from "./repositories.js";

/** Login for a repository host. Written only into the Ivy settings in the build's scratch folder. */
export interface RepositoryCredentials {
  /** Host name as in the repository URL, e.g. `repo.example.com`. */
  host: string;
  /** HTTP Basic realm, when the server requires a match on it. */
  realm?: string | undefined;
  username: string;
  password: string;
}

/**
 * How the Spark builder runs (builder options `spark.*`): never hashed, since they change how the
 * jars are fetched, not which jars a definition names.
 */
export interface SparkBuilderOptions {
  /** Apache Ivy jar. Default: `$ENVFORGE_IVY_JAR`, then Debian's `/usr/share/java/ivy.jar`. */
  ivyJar?: string | undefined;
  /** Java launcher. Default: `$JAVA_HOME/bin/java`, then `java` on the PATH. */
  java?: string | undefined;
  /** Credentials per repository host; also `user:password@host` strings (e.g. from `-o spark.credentials=…`). */
  credentials?: RepositoryCredentials[] | string | string[] | undefined;
  /** Repositories used when a definition names none (Spark's own default is Maven Central). */
  defaultRepositories?: string[] | undefined;
  /** Extra JVM options for Ivy, e.g. `-Dhttps.proxyHost=proxy.example -Dhttps.proxyPort=3128`. */
  javaOptions?: string[] | string | undefined;
}

/** Options of `sparkPlugin()`: defaults for the builder options, and where jars go in images. */
export interface SparkPluginOptions extends SparkBuilderOptions {
  /** Folder in images that holds `jars/` and `conf/spark-defaults.conf`. Default `/opt/envforge/spark`. */
  imageRoot?: string | undefined;
}

export interface ResolvedBuilderOptions {
  javaOptions: string[];
  /** Looked up only when Ivy must run (`findIvyJar`), so precache: false needs no Ivy. */
  ivyJar: string | undefined;
  java: string;
  credentials: RepositoryCredentials[];
  defaultRepositories: string[];
}

const credentialObject = z.strictObject({
  host: z.string().min(1),
  realm: z.string().optional(),
  username: z.string(),
  password: z.string(),
});
const builderSchema = z.object({
  ivyJar: z.string().min(1).optional(),
  java: z.string().min(1).optional(),
  credentials: z.union([z.string(), z.array(z.union([z.string(), credentialObject]))]).optional(),
  defaultRepositories: z.union([z.string(), z.array(z.string())]).optional(),
  javaOptions: z.union([z.string(), z.array(z.string())]).optional(),
});

/** `user:password@host` (the password may contain `:` and `@`; the host is after the last `@`). */
function credentialFromString(text: string): RepositoryCredentials {
  const at = text.lastIndexOf("@");
  const colon = text.indexOf(":");
  if (at <= 0 || colon <= 0 || colon > at || at === text.length - 1) {
    // Never echo the value: it holds a password.
    throw createError("E_INVALID_VALUE", "builder option spark.credentials: a string credential must look like user:password@host", {
      hint: "pass user:password@repo.example.com, or a list of {host, username, password, realm?}",
    });
  }
  return { username: text.slice(0, colon), password: text.slice(colon + 1, at), host: text.slice(at + 1) };
}

/** A repository written as a relative folder (`./m2`): the host's, read against its baseDir. */
const RELATIVE_FOLDER = /^\.\.?[/\\]/;

/**
 * Merges the plugin's defaults with the build's `spark` options and finds Java and Ivy. With
 * `baseDir` (the engine's), the host's relative paths are read against it, not the scratch folder
 * Ivy runs in: `ivyJar`, `java` when it has a slash, and `defaultRepositories` written `./…`.
 */
export function resolveBuilderOptions(defaults: SparkBuilderOptions, given: Record<string, unknown> | undefined, baseDir?: string): ResolvedBuilderOptions {
  const parsed = builderSchema.safeParse({ ...given });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw createError("E_INVALID_VALUE", `builder option spark.${issue.path.join(".")}: ${issue.message}`, {
      hint: "spark builder options: ivyJar (path), java (path), credentials (user:password@host or [{host, username, password, realm?}]), defaultRepositories (URLs), javaOptions (JVM flags)",
    });
  }
  const options = { ...defaults, ...Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) };
  const rawCredentials = options.credentials === undefined ? [] : Array.isArray(options.credentials) ? options.credentials : [options.credentials];
  const rawRepositories = options.defaultRepositories ?? [MAVEN_CENTRAL];
  const javaOptions = options.javaOptions === undefined ? [] : Array.isArray(options.javaOptions) ? options.javaOptions : [options.javaOptions];
  const local = (value: string) => (baseDir !== undefined && RELATIVE_FOLDER.test(value) ? pathToFileURL(hostPath(baseDir, value)).href : value);
  return {
    javaOptions,
    ivyJar: options.ivyJar === undefined || baseDir === undefined ? options.ivyJar : hostPath(baseDir, options.ivyJar),
    java: options.java === undefined ? findJava() : baseDir === undefined ? options.java : hostProgram(baseDir, options.java),
    credentials: rawCredentials.map((c) => (typeof c === "string" ? credentialFromString(c) : c)),
    defaultRepositories: (Array.isArray(rawRepositories) ? rawRepositories : [rawRepositories]).map((r) =>
      normalizeRepository(local(r), { field: "builder option spark.defaultRepositories" }),
    ),
  };
}

const IVY_HINT = "install Apache Ivy (Debian: apt-get install ivy) or set the builder option spark.ivyJar to its jar";

/** Debian's `ivy` package installs `/usr/share/java/ivy.jar` (a link to `ivy-<version>.jar`). */
export function findIvyJar(env: NodeJS.ProcessEnv = process.env, dir = "/usr/share/java"): string {
  if (env.ENVFORGE_IVY_JAR) return env.ENVFORGE_IVY_JAR;
  const standard = path.join(dir, "ivy.jar");
  if (existsSync(standard)) return standard;
  const versioned = existsSync(dir) ? readdirSync(dir).filter((f) => /^ivy-\d[\w.-]*\.jar$/.test(f)).sort() : [];
  if (versioned.length > 0) return path.join(dir, versioned[versioned.length - 1]!);
  throw createError("E_TOOL_NOT_FOUND", `Apache Ivy was not found (looked for ${standard})`, { hint: IVY_HINT });
}

export function findJava(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JAVA_HOME) {
    const candidate = path.join(env.JAVA_HOME, "bin", "java");
    if (existsSync(candidate)) return candidate;
  }
  return "java";
}

export const JAVA_HINT = "install a Java runtime (Debian: apt-get install default-jre-headless) or set the builder option spark.java";
export { IVY_HINT };
