import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import http from "node:http";
import { createReadStream, existsSync, statSync } from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { zipSync, strToU8 } from "fflate";

/** A dependency as a POM writes it. */
export interface FakeDependency {
  group: string;
  artifact: string;
  version: string;
  scope?: string;
  classifier?: string;
  optional?: boolean;
}

/** One module of a test repository: a POM, and jars unless it is a parent POM. */
export interface FakeModule {
  group: string;
  artifact: string;
  version: string;
  packaging?: "jar" | "pom" | "bundle";
  parent?: { group: string; artifact: string; version: string };
  properties?: Record<string, string>;
  dependencies?: FakeDependency[];
  /** Extra jars published with a classifier. */
  classifiers?: string[];
  /** Publish the POM but not the main jar (a broken repository). */
  withoutJar?: boolean;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

function pom(m: FakeModule): string {
  const deps = (m.dependencies ?? [])
    .map((d) =>
      [
        "    <dependency>",
        `      <groupId>${esc(d.group)}</groupId>`,
        `      <artifactId>${esc(d.artifact)}</artifactId>`,
        `      <version>${esc(d.version)}</version>`,
        d.classifier ? `      <classifier>${esc(d.classifier)}</classifier>` : "",
        d.scope ? `      <scope>${d.scope}</scope>` : "",
        d.optional ? "      <optional>true</optional>" : "",
        "    </dependency>",
      ]
        .filter(Boolean)
        .join("\n"),
    )
    .join("\n");
  const props = Object.entries(m.properties ?? {})
    .map(([k, v]) => `    <${k}>${esc(v)}</${k}>`)
    .join("\n");
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    "  <modelVersion>4.0.0</modelVersion>",
    m.parent
      ? `  <parent><groupId>${m.parent.group}</groupId><artifactId>${m.parent.artifact}</artifactId><version>${m.parent.version}</version></parent>`
      : "",
    `  <groupId>${esc(m.group)}</groupId>`,
    `  <artifactId>${esc(m.artifact)}</artifactId>`,
    `  <version>${esc(m.version)}</version>`,
    `  <packaging>${m.packaging ?? "jar"}</packaging>`,
    props ? `  <properties>\n${props}\n  </properties>` : "",
    deps ? `  <dependencies>\n${deps}\n  </dependencies>` : "",
    "</project>",
    "",
  ]
    .filter(Boolean)
    .join("\n");
}

/** A jar is a zip with a manifest; the marker file makes every jar's bytes (and digest) distinct. */
function jar(id: string): Uint8Array {
  return zipSync({
    "META-INF/MANIFEST.MF": strToU8("Manifest-Version: 1.0\r\nCreated-By: envforge tests\r\n\r\n"),
    "envforge-test/marker.txt": strToU8(`${id}\n`),
  });
}

export function moduleDir(root: string, m: { group: string; artifact: string; version: string }): string {
  return path.join(root, ...m.group.split("."), m.artifact, m.version);
}

/**
 * Writes a Maven-layout repository (what `mvn deploy` leaves on a server) and returns the SHA-256
 * of every jar by file name `artifact-version[-classifier].jar`.
 */
export async function makeMavenRepo(root: string, modules: FakeModule[]): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  const versions = new Map<string, string[]>();
  for (const m of modules) {
    const dir = moduleDir(root, m);
    await mkdir(dir, { recursive: true });
    const base = `${m.artifact}-${m.version}`;
    await writeFile(path.join(dir, `${base}.pom`), pom(m));
    const key = `${m.group}:${m.artifact}`;
    versions.set(key, [...(versions.get(key) ?? []), m.version]);
    if (m.packaging === "pom") continue;
    const files = [...(m.withoutJar ? [] : [base]), ...(m.classifiers ?? []).map((c) => `${base}-${c}`)];
    for (const name of files) {
      const bytes = jar(`${m.group}:${name}`);
      await writeFile(path.join(dir, `${name}.jar`), bytes);
      digests.set(`${name}.jar`, createHash("sha256").update(bytes).digest("hex"));
    }
  }
  // maven-metadata.xml lets dynamic versions (latest.release, ranges) list what exists.
  for (const [key, list] of versions) {
    const [group, artifact] = key.split(":") as [string, string];
    const dir = path.join(root, ...group.split("."), artifact);
    const latest = list[list.length - 1]!;
    await writeFile(
      path.join(dir, "maven-metadata.xml"),
      `<?xml version="1.0" encoding="UTF-8"?>\n<metadata><groupId>${group}</groupId><artifactId>${artifact}</artifactId><versioning><latest>${latest}</latest><release>${latest}</release><versions>${list.map((v) => `<version>${v}</version>`).join("")}</versions></versioning></metadata>\n`,
    );
  }
  return digests;
}

/** Serves a folder over HTTP on 127.0.0.1, optionally behind Basic auth; records request paths. */
export async function serveRepo(root: string, auth?: { username: string; password: string; realm: string }) {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (auth) {
      const expected = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { "WWW-Authenticate": `Basic realm="${auth.realm}"` }).end();
        return;
      }
    }
    const file = path.join(root, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Length": statSync(file).size });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Why the real Ivy tests cannot run here, or undefined when Java and Ivy are present. */
export function missingTools(ivyJar: () => string): string | undefined {
  try {
    execFileSync("java", ["-version"], { stdio: "ignore" });
  } catch {
    return "java is not on the PATH (Debian: apt-get install default-jre-headless)";
  }
  try {
    if (!existsSync(ivyJar())) return "the Ivy jar is missing (Debian: apt-get install ivy)";
  } catch {
    return "Apache Ivy is not installed (Debian: apt-get install ivy)";
  }
  return undefined;
}
