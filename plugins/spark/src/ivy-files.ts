import type { MavenCoordinate } from "./coordinates.js";
import type { RepositoryCredentials } from "./options.js";

/** The module Ivy resolves on our behalf: its dependencies are the definition's Spark packages. */
export const ROOT_ORGANISATION = "envforge";
export const ROOT_MODULE = "spark-packages";
/** Spark's own `--packages` maps each dependency this way: the module's default conf, else runtime. */
const CONF_MAPPING = "default->default(runtime)";
/**
 * Artifact types kept: plain jars, OSGi bundles (packaged as jars), and test jars a POM may depend
 * on. POMs, sources and docs are never put on a classpath.
 */
export const ARTIFACT_TYPES = ["jar", "bundle", "test-jar"];

export function xmlAttr(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\r/g, "&#13;")
    .replace(/\n/g, "&#10;")
    .replace(/\t/g, "&#9;");
}

/**
 * The file name a retrieved artifact gets. The organisation is part of it because two groups may
 * publish the same artifact name and version (Spark's own retrieve pattern does the same).
 */
export const RETRIEVE_PATTERN = "[organisation]__[artifact]-[revision](-[classifier]).[ext]";

export function retrievedName(a: { organisation: string; artifact: string; revision: string; classifier?: string | undefined; ext: string }): string {
  return `${a.organisation}__${a.artifact}-${a.revision}${a.classifier ? `-${a.classifier}` : ""}.${a.ext}`;
}

export interface IvySettingsInput {
  repositories: readonly string[];
  /** Ivy's download cache; inside the build's scratch folder so nothing leaks between builds. */
  cacheDir: string;
  /** Where Ivy writes resolve reports. */
  resolutionCacheDir: string;
  credentials: readonly RepositoryCredentials[];
}

/**
 * Ivy settings: one Maven 2 (ibiblio, m2compatible) resolver per repository, chained in the
 * definition's order. `returnFirst` stays false so a dynamic version is looked up in every
 * repository, as Spark does.
 */
export function ivySettingsXml(input: IvySettingsInput): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    "<ivysettings>",
    '  <settings defaultResolver="envforge-chain"/>',
    `  <caches defaultCacheDir="${xmlAttr(input.cacheDir)}" resolutionCacheDir="${xmlAttr(input.resolutionCacheDir)}" useOrigin="false"/>`,
  ];
  for (const c of input.credentials) {
    const realm = c.realm === undefined ? "" : ` realm="${xmlAttr(c.realm)}"`;
    lines.push(`  <credentials host="${xmlAttr(c.host)}"${realm} username="${xmlAttr(c.username)}" passwd="${xmlAttr(c.password)}"/>`);
  }
  lines.push("  <resolvers>", '    <chain name="envforge-chain" returnFirst="false">');
  input.repositories.forEach((root, i) => {
    lines.push(`      <ibiblio name="${repositoryName(i)}" m2compatible="true" usepoms="true" root="${xmlAttr(root)}"/>`);
  });
  lines.push("    </chain>", "  </resolvers>", "</ivysettings>", "");
  return lines.join("\n");
}

export function repositoryName(index: number): string {
  return `repo-${index}`;
}

/**
 * One Ivy module listing every package, so one resolution sees them all and settles version
 * conflicts across them. Coordinates of one module are merged into one dependency: Ivy keeps only
 * the last of two dependencies on the same module, which would silently drop a jar.
 */
/** `transitive: false`: exactly these modules, none of their dependencies (a build from the lock, which lists the whole closure). */
export function ivyModuleXml(packages: readonly MavenCoordinate[], transitive = true): string {
  const byModule = new Map<string, MavenCoordinate[]>();
  for (const p of packages) {
    const key = `${p.group}:${p.artifact}:${p.version}`;
    byModule.set(key, [...(byModule.get(key) ?? []), p]);
  }
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<ivy-module version="2.0" xmlns:m="http://ant.apache.org/ivy/maven">',
    `  <info organisation="${ROOT_ORGANISATION}" module="${ROOT_MODULE}" revision="1"/>`,
    '  <configurations><conf name="default"/></configurations>',
    "  <dependencies>",
  ];
  for (const list of byModule.values()) {
    const { group, artifact, version } = list[0]!;
    const open = `    <dependency org="${xmlAttr(group)}" name="${xmlAttr(artifact)}" rev="${xmlAttr(version)}" conf="${CONF_MAPPING}"${transitive ? "" : ' transitive="false"'}`;
    const classifiers = [...new Set(list.map((p) => p.classifier))];
    if (classifiers.length === 1 && classifiers[0] === undefined) {
      // No artifact element: Ivy takes what the POM publishes (a jar, or a bundle's jar).
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    for (const classifier of classifiers) {
      const extra = classifier === undefined ? "" : ` m:classifier="${xmlAttr(classifier)}"`;
      lines.push(`      <artifact name="${xmlAttr(artifact)}" type="jar" ext="jar"${extra}/>`);
    }
    lines.push("    </dependency>");
  }
  lines.push("  </dependencies>", "</ivy-module>", "");
  return lines.join("\n");
}

/** Where Ivy writes the resolve report of the root module's `default` conf. */
export function reportFileName(): string {
  return `${ROOT_ORGANISATION}-${ROOT_MODULE}-default.xml`;
}
