/**
 * Spark's part of `envforge lock` and builds from the lock, through real Ivy against a Maven
 * repository written to disk (skipped with the reason without java and Debian's ivy; failed when CI=true).
 */
import { appendFile, mkdtemp, readdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createEngine, formatLock, resolveLock, type EnvforgeError } from "@envforge/core/plugin-kit";
import { findIvyJar } from "./options.js";
import { sparkPlugin } from "./plugin.js";
import { makeMavenRepo, missingTools, moduleDir, type FakeModule } from "./testing/maven-repo.js";

const missing = missingTools(() => findIvyJar());
const inCI = process.env.CI === "true";
if (missing && !inCI) console.warn(`skipping the real Ivy lock tests: ${missing}`);

const G = "com.example";
const MODULES: FakeModule[] = [
  { group: G, artifact: "app", version: "1.0.0", dependencies: [{ group: G, artifact: "lib", version: "1.0" }] },
  { group: G, artifact: "lib", version: "1.0" },
];

let tmp: string;
let repoDir: string;

const engine = () => createEngine({ plugins: [sparkPlugin()], cacheDir: path.join(tmp, `cache-${Math.random().toString(36).slice(2)}`), policy: { allowOutsideFiles: true } });

async function lockedDefinition(): Promise<string> {
  const dir = await mkdtemp(path.join(tmp, "def-"));
  const file = path.join(dir, "env.yaml");
  await writeFile(file, `spark:\n  repositories: ["file://${repoDir}/"]\n  packages: [com.example:app:1.0.0]\n`);
  const e = engine();
  const resolved = await e.resolve(file);
  const { lock } = await resolveLock(e, resolved, {});
  await writeFile(path.join(dir, "env.lock"), formatLock(lock));
  return file;
}

describe.skipIf(missing !== undefined && !inCI)(`spark lock through real Ivy${missing ? ` (skipped: ${missing})` : ""}`, () => {
  beforeAll(async () => {
    if (missing) throw new Error(`CI=true but the real Ivy tests cannot run: ${missing}`);
    tmp = await mkdtemp(path.join(os.tmpdir(), "envforge-spark-lock-"));
    repoDir = path.join(tmp, "repo");
    await makeMavenRepo(repoDir, MODULES);
  });

  it("locks every jar of the closure with its sha256, and builds exactly those", async () => {
    const file = await lockedDefinition();
    const e = engine();
    const resolved = await e.resolve(file);
    const lock = resolved.parsed.sections.lock as { spark: { coordinate: string; file: string; sha256: string }[] };
    expect(lock.spark.map((j) => [j.coordinate, j.file])).toEqual([
      ["com.example:app:1.0.0", "app-1.0.0.jar"],
      ["com.example:lib:1.0", "lib-1.0.jar"],
    ]);
    expect(lock.spark.every((j) => /^[0-9a-f]{64}$/.test(j.sha256))).toBe(true);
    const built = await e.build(file, { target: "spark" });
    expect((await readdir(path.join(built.entry.artifact.path!, "jars"))).sort()).toEqual(["com.example__app-1.0.0.jar", "com.example__lib-1.0.jar"]);
  });

  it("a tampered jar fails the build naming its coordinate", async () => {
    const file = await lockedDefinition();
    await appendFile(path.join(moduleDir(repoDir, { group: G, artifact: "lib", version: "1.0" }), "lib-1.0.jar"), "tampered");
    const error = await engine().build(file, { target: "spark" }).then(() => undefined, (e: unknown) => e as EnvforgeError);
    expect(error?.code).toBe("E_BUILD_FAILED");
    expect(error?.message).toContain("com.example:lib:1.0 (lib-1.0.jar) does not match the lock's sha256");
  });
});
