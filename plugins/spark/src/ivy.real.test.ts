/**
 * Real resolutions through Apache Ivy against Maven-layout repositories the tests write to disk
 * (and serve over HTTP on 127.0.0.1). Needs `java` and Debian's `ivy`; skipped with the reason
 * when they are missing, failed when CI=true.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createEngine, type EngineEvent, type EnvforgeError } from "@envforge/core/plugin-kit";
import { findIvyJar } from "./options.js";
import { sparkPlugin } from "./plugin.js";
import { makeMavenRepo, missingTools, serveRepo, type FakeModule } from "./testing/maven-repo.js";

const missing = missingTools(() => findIvyJar());
const inCI = process.env.CI === "true";
if (missing && !inCI) console.warn(`skipping the real Ivy tests: ${missing}`);

const G = "com.example";
const MODULES: FakeModule[] = [
  { group: G, artifact: "parent", version: "1", packaging: "pom", properties: { "util.version": "1.5" } },
  {
    group: G,
    artifact: "app",
    version: "1.0.0",
    dependencies: [
      { group: G, artifact: "lib", version: "1.0" },
      { group: G, artifact: "util", version: "2.0" },
      { group: G, artifact: "testkit", version: "9", scope: "test" },
      { group: G, artifact: "extras", version: "1", optional: true },
    ],
  },
  // lib asks for util 1.5 through its parent's property: a version conflict with app's 2.0.
  { group: G, artifact: "lib", version: "1.0", parent: { group: G, artifact: "parent", version: "1" }, dependencies: [{ group: G, artifact: "util", version: "${util.version}" }] },
  { group: G, artifact: "util", version: "1.5" },
  { group: G, artifact: "util", version: "2.0" },
  { group: G, artifact: "native", version: "2.1", classifiers: ["linux"] },
  { group: G, artifact: "broken", version: "1.0", withoutJar: true },
  { group: G, artifact: "needs-ghost", version: "1.0", dependencies: [{ group: G, artifact: "ghost", version: "3.0" }] },
];

const OUTSIDE = { allowOutsideFiles: true };

let tmp: string;
let repoDir: string;
let repoUrl: string;
let digests: Map<string, string>;

async function engineWithEvents() {
  const cacheDir = await mkdtemp(path.join(tmp, "cache-"));
  // The shared repository lies outside each definition's folder: the host allows it here.
  const engine = createEngine({ plugins: [sparkPlugin()], cacheDir, policy: OUTSIDE });
  const events: EngineEvent[] = [];
  engine.hooks.event.tap("test", (e) => events.push(e));
  return { engine, events, cacheDir };
}

async function specFile(name: string, yaml: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmp, `${name}-`));
  const file = path.join(dir, "env.yaml");
  await writeFile(file, yaml);
  return file;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

const warnings = (events: EngineEvent[], code: string) =>
  events.filter((e): e is Extract<EngineEvent, { type: "warning" }> => e.type === "warning" && e.code === code);

describe.skipIf(missing !== undefined && !inCI)(`spark target through real Ivy${missing ? ` (skipped: ${missing})` : ""}`, () => {
  beforeAll(async () => {
    if (missing) throw new Error(`CI=true but the real Ivy tests cannot run: ${missing}`);
    tmp = await mkdtemp(path.join(os.tmpdir(), "envforge-spark-"));
    repoDir = path.join(tmp, "repo");
    digests = await makeMavenRepo(repoDir, MODULES);
    repoUrl = `file://${repoDir}`;
  });

  it("resolves transitively into the cache, locks every jar, and hits on repeat without running Ivy", async () => {
    const { engine, events, cacheDir } = await engineWithEvents();
    const file = await specFile(
      "app",
      `name: spark-app\nspark:\n  repositories: ["${repoUrl}/"]\n  packages:\n    - com.example:app:1.0.0\n    - {group: com.example, artifact: native, version: "2.1", classifier: linux}\n    - com.example:native:2.1\n`,
    );
    const first = await engine.build(file, { target: "spark" });
    expect(first.cached).toBe(false);
    const artifactDir = first.entry.artifact.path!;
    expect(artifactDir.startsWith(cacheDir)).toBe(true);

    const jars = (await readdir(path.join(artifactDir, "jars"))).sort();
    expect(jars).toEqual([
      "com.example__app-1.0.0.jar",
      "com.example__lib-1.0.jar",
      "com.example__native-2.1-linux.jar",
      "com.example__native-2.1.jar",
      "com.example__util-2.0.jar",
    ]);

    // The lock: every jar of the resolution, with the digest of the bytes the repository holds.
    const lock = first.entry.lock!.packages.map((p) => `${p.name}:${p.version}`).sort();
    expect(lock).toEqual(["com.example:app:1.0.0", "com.example:lib:1.0", "com.example:native:2.1", "com.example:native:2.1", "com.example:util:2.0"]);
    for (const p of first.entry.lock!.packages) {
      expect(p.ecosystem).toBe("maven");
      const fileName = path.basename(p.source!);
      expect(p.sha256, fileName).toBe(digests.get(fileName));
    }
    for (const name of jars) {
      const bytes = await readFile(path.join(artifactDir, "jars", name));
      const sha = createHash("sha256").update(bytes).digest("hex");
      expect(first.entry.lock!.packages.some((p) => p.sha256 === sha), name).toBe(true);
    }

    const conf = await readFile(path.join(artifactDir, "conf", "spark-defaults.conf"), "utf8");
    const line = conf.split("\n").find((l) => l.startsWith("spark.jars "))!;
    expect(line.slice("spark.jars ".length).split(",")).toEqual(jars.map((j) => path.join(artifactDir, "jars", j)));

    const conflict = warnings(events, "W_VERSION_CONFLICT");
    expect(conflict).toHaveLength(1);
    expect(conflict[0]!.message).toContain("com.example:util: 2.0 is used; evicted 1.5 (wanted by com.example:lib:1.0)");

    // Repeat: a cache hit, and Ivy is not run (a Java that does not exist would fail the build).
    events.length = 0;
    const again = await engine.build(file, { target: "spark", builderOptions: { spark: { java: "/nonexistent/java" } } });
    expect(again.cached).toBe(true);
    expect(again.entry.artifact.path).toBe(artifactDir);
    expect(events.some((e) => e.type === "build.start")).toBe(false);

    // A fresh engine on the same cache folder (another process) hits the disk tier.
    const other = createEngine({ plugins: [sparkPlugin()], cacheDir, policy: OUTSIDE });
    const fromDisk = await other.build(file, { target: "spark", builderOptions: { spark: { java: "/nonexistent/java" } } });
    expect(fromDisk).toMatchObject({ cached: true, store: "local" });
  });

  it("a missing package fails with the coordinate and the repositories tried, and leaves no cache entry", async () => {
    const { engine, cacheDir } = await engineWithEvents();
    const file = await specFile("ghost", `spark:\n  repositories: ["${repoUrl}"]\n  packages:\n    - com.example:util:2.0\n    - com.example:nothere:4.2\n`);
    const error = (await engine.build(file, { target: "spark" }).catch((e: unknown) => e)) as EnvforgeError;
    expect(error.code).toBe("E_BUILD_FAILED");
    expect(error.message).toContain("com.example:nothere:4.2");
    expect(error.message).toContain(repoUrl);
    expect(error.location).toEqual({ file, line: 5, column: 7 });
    expect(error.hint).toMatch(/case-sensitive/);
    expect((error.details?.tried as string[]).some((u) => u.includes("com/example/nothere/4.2/nothere-4.2.pom"))).toBe(true);

    const { hash } = await engine.hash(file);
    expect(await engine.lookup(hash, "spark")).toBeUndefined();
    expect(existsSync(engine.cache.local.artifactDir({ hash, target: "spark" }, 1))).toBe(false);
    // Neither the half-resolved jars nor Ivy's scratch files survive the failure.
    expect((await filesUnder(cacheDir)).filter((f) => /\.(jar|xml)$/.test(f))).toEqual([]);
  });

  it("names the package that needs a missing transitive module, and a jar missing beside its POM", async () => {
    const { engine } = await engineWithEvents();
    const transitive = await specFile("needs-ghost", `spark:\n  repositories: ["${repoUrl}"]\n  packages: [com.example:needs-ghost:1.0]\n`);
    const e1 = (await engine.build(transitive, { target: "spark" }).catch((e: unknown) => e)) as EnvforgeError;
    expect(e1.code).toBe("E_BUILD_FAILED");
    expect(e1.message).toContain("com.example:ghost:3.0 needed by com.example:needs-ghost:1.0");

    const noJar = await specFile("broken", `spark:\n  repositories: ["${repoUrl}"]\n  packages: [com.example:broken:1.0]\n`);
    const e2 = (await engine.build(noJar, { target: "spark" }).catch((e: unknown) => e)) as EnvforgeError;
    expect(e2.code).toBe("E_BUILD_FAILED");
    expect(e2.message).toContain("com.example:broken:1.0 (its jar)");
  });

  it("records what a dynamic version resolved to, and warns that it is unpinned", async () => {
    const { engine, events } = await engineWithEvents();
    const file = await specFile("dynamic", `spark:\n  repositories: ["${repoUrl}"]\n  packages: ["com.example:util:latest.release"]\n`);
    const result = await engine.build(file, { target: "spark" });
    expect(result.entry.lock!.packages.map((p) => `${p.name}:${p.version}`)).toEqual(["com.example:util:2.0"]);
    expect(warnings(events, "W_UNPINNED")[0]!.message).toContain("com.example:util:latest.release");
  });

  it("resolves over HTTP with Basic auth from builder options, and never writes the password anywhere", async () => {
    const password = "s3cret-Pa55word";
    const server = await serveRepo(repoDir, { username: "builder", password, realm: "envforge-test" });
    try {
      const { engine, events, cacheDir } = await engineWithEvents();
      const file = await specFile("http", `spark:\n  repositories: ["${server.url}"]\n  packages: [com.example:lib:1.0]\n`);
      const credentials = [{ host: "127.0.0.1", username: "builder", password }];
      const result = await engine.build(file, { target: "spark", builderOptions: { spark: { credentials } } });
      expect((await readdir(path.join(result.entry.artifact.path!, "jars"))).sort()).toEqual([
        "com.example__lib-1.0.jar",
        "com.example__util-1.5.jar",
      ]);
      expect(server.requests.some((r) => r.includes("/com/example/lib/1.0/lib-1.0.jar"))).toBe(true);
      expect(JSON.stringify(events)).not.toContain(password);
      expect(JSON.stringify(result.entry)).not.toContain(password);
      const log = await readFile(result.entry.logPath!, "utf8");
      expect(log).toContain("resolving 1 Spark package(s)");
      expect(log).not.toContain(password);
      const conf = await readFile(path.join(result.entry.artifact.path!, "conf", "spark-defaults.conf"), "utf8");
      expect(conf).not.toContain(password);
      // The scratch Ivy settings held the password; they are gone, and no file in the cache has it.
      for (const f of await filesUnder(cacheDir)) expect(await readFile(f, "utf8"), f).not.toContain(password);

      // Without the credentials the server refuses, and the build says which package it could not get.
      const denied = (await createEngine({ plugins: [sparkPlugin()], cacheDir: await mkdtemp(path.join(tmp, "c-")) })
        .build(file, { target: "spark" })
        .catch((e: unknown) => e)) as EnvforgeError;
      expect(denied.code).toBe("E_BUILD_FAILED");
      expect(denied.message).toContain("com.example:lib:1.0");
    } finally {
      await server.close();
    }
  });

  it("precache: false writes the packages for Spark to resolve and downloads nothing", async () => {
    const { engine } = await engineWithEvents();
    const file = await specFile("lazy", `spark:\n  repositories: ["${repoUrl}"]\n  packages: [com.example:util:2.0, com.example:app:1.0.0]\n  precache: false\n`);
    const result = await engine.build(file, { target: "spark", builderOptions: { spark: { java: "/nonexistent/java" } } });
    const dir = result.entry.artifact.path!;
    const conf = await readFile(path.join(dir, "conf", "spark-defaults.conf"), "utf8");
    expect(conf).toContain("spark.jars.packages com.example:app:1.0.0,com.example:util:2.0\n");
    expect(conf).toContain(`spark.jars.repositories ${repoUrl}\n`);
    expect(conf).toContain(`spark.jars.ivy ${path.join(dir, "ivy")}\n`);
    expect(conf).not.toContain("spark.jars ");
    expect(existsSync(path.join(dir, "jars"))).toBe(false);
    expect(result.entry.lock).toBeUndefined();
  });

  it("image fragment: jars resolved once on the host into its workDir, copied by a COPY of their own", async () => {
    const { engine } = await engineWithEvents();
    const file = await specFile("image", `spark:\n  repositories: ["${repoUrl}"]\n  packages: [com.example:app:1.0.0]\n`);
    const { parsed, result } = await engine.resolve(file);
    const workDir = await mkdtemp(path.join(tmp, "fragment-"));
    const warned: string[] = [];
    const fragment = await engine.hooks.imageFragment.for("spark").promise(result.canonical.sections.spark!, {
      hash: result.hash,
      spec: parsed,
      canonical: result.canonical,
      workDir,
      options: {},
      signal: new AbortController().signal,
      log: () => undefined,
      warn: (code) => warned.push(code),
    });
    expect(fragment!.order).toBe(50);
    expect(fragment!.instructions).toEqual([
      "COPY envforge/spark/jars /opt/envforge/spark/jars",
      "COPY envforge/spark/conf/spark-defaults.conf /opt/envforge/spark/conf/spark-defaults.conf",
      "ENV SPARK_CONF_DIR=/opt/envforge/spark/conf",
    ]);
    const hostJars = fragment!.folders!["envforge/spark/jars"]!;
    expect(hostJars.startsWith(workDir)).toBe(true);
    const jars = (await readdir(hostJars)).sort();
    expect(jars).toEqual(["com.example__app-1.0.0.jar", "com.example__lib-1.0.jar", "com.example__util-2.0.jar"]);
    // The configuration names the jars where the image has them, never the host's scratch folder.
    const conf = String(fragment!.files!["envforge/spark/conf/spark-defaults.conf"]);
    expect(conf).toContain(`spark.jars ${jars.map((j) => `/opt/envforge/spark/jars/${j}`).join(",")}\n`);
    expect(conf).not.toContain(workDir);
    expect(warned).toEqual(["W_VERSION_CONFLICT"]);

    // precache off: no jars and no Ivy run, only the configuration for Spark's own resolver.
    const lazy = await specFile("image-lazy", `spark:\n  packages: [com.example:app:1.0.0]\n  precache: false\n`);
    const r2 = await engine.resolve(lazy);
    const f2 = await engine.hooks.imageFragment.for("spark").promise(r2.result.canonical.sections.spark!, {
      hash: r2.result.hash,
      spec: r2.parsed,
      canonical: r2.result.canonical,
      workDir,
      options: { spark: { java: "/nonexistent/java" } },
      signal: new AbortController().signal,
      log: () => undefined,
      warn: () => undefined,
    });
    expect(f2!.folders).toBeUndefined();
    expect(String(f2!.files!["envforge/spark/conf/spark-defaults.conf"])).toContain(
      "spark.jars.ivy /opt/envforge/spark/ivy\nspark.jars.packages com.example:app:1.0.0\n",
    );
  });

  it("a missing Java or Ivy jar is E_TOOL_NOT_FOUND saying what to install", async () => {
    const { engine } = await engineWithEvents();
    const file = await specFile("tools", `spark:\n  repositories: ["${repoUrl}"]\n  packages: [com.example:util:2.0]\n`);
    const noJava = (await engine.build(file, { target: "spark", builderOptions: { spark: { java: "/nonexistent/java" } } }).catch((e: unknown) => e)) as EnvforgeError;
    expect(noJava).toMatchObject({ code: "E_TOOL_NOT_FOUND", hint: expect.stringContaining("default-jre-headless") });
    const noIvy = (await engine.build(file, { target: "spark", builderOptions: { spark: { ivyJar: "/nonexistent/ivy.jar" } } }).catch((e: unknown) => e)) as EnvforgeError;
    expect(noIvy).toMatchObject({ code: "E_TOOL_NOT_FOUND", hint: expect.stringContaining("apt-get install ivy") });
  });

  it("a repository outside the definition's folder: refused when the definition names it, used when the host gives it", async () => {
    const cacheDir = await mkdtemp(path.join(tmp, "cache-"));
    const strict = createEngine({ plugins: [sparkPlugin()], cacheDir });
    const named = await specFile("named-outside", `spark:\n  repositories: ["${repoUrl}"]\n  packages: [com.example:util:2.0]\n`);
    const refused = (await strict.build(named, { target: "spark" }).catch((e: unknown) => e)) as EnvforgeError;
    expect(refused).toMatchObject({ code: "E_FILE_OUTSIDE_ROOT", field: "spark.repositories[0]", location: { file: named, line: 2 } });
    expect(refused.hint).toContain("--allow-outside-files");
    // The host's own builder option is not the definition's: no confinement.
    const unnamed = await specFile("host-given", "spark:\n  packages: [com.example:util:2.0]\n");
    const built = await strict.build(unnamed, { target: "spark", builderOptions: { spark: { defaultRepositories: [repoUrl] } } });
    expect(await readdir(path.join(built.entry.artifact.path!, "jars"))).toContain("com.example__util-2.0.jar");
  });

  it("a cancelled build leaves no cache entry", async () => {
    const { engine } = await engineWithEvents();
    const file = await specFile("cancel", `spark:\n  repositories: ["${repoUrl}"]\n  packages: [com.example:app:1.0.0]\n`);
    const controller = new AbortController();
    engine.hooks.event.tap("abort", (e) => {
      if (e.type === "log" && e.line.startsWith("resolving")) setTimeout(() => controller.abort(), 50);
    });
    const error = (await engine.build(file, { target: "spark", signal: controller.signal }).catch((e: unknown) => e)) as EnvforgeError;
    expect(error.code).toBe("E_ABORTED");
    const { hash } = await engine.hash(file);
    expect(await engine.lookup(hash, "spark")).toBeUndefined();
    expect(existsSync(engine.cache.local.artifactDir({ hash, target: "spark" }, 1))).toBe(false);
  });

});
