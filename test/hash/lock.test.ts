import { appendFile, copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createEngine, formatLock, lockPathFor, parseLockText, type EnginePlugin, type EnvLock } from "@envforge/core/plugin-kit";
import { quickHit } from "@envforge/core/quick";
import { pipPlugin } from "@envforge/plugin-pip";
import { tempDir, testEngine } from "../support/engine.js";

/**
 * The lock section (HASH.md, "The lock"): an extension of efh1 present only when a lock file
 * sits beside the definition. The vector in lock-vector/ is frozen like golden.json.
 */
const vector = path.join(path.dirname(fileURLToPath(import.meta.url)), "lock-vector");
const VECTOR_HASH = "efh1:9446ff003fa096e07cf7753775f311c40ae0643ede0575129b663129612d851a";
const VECTOR_CANONICAL =
  '{"contract":"efh1","sections":{"lock":{"pip":[{"file":"tinya-1.0.0-py3-none-any.whl","name":"tinya","sha256":"1111111111111111111111111111111111111111111111111111111111111111","version":"1.0.0"},{"file":"tinyb-2.0.0-py3-none-any.whl","name":"tinyb","sha256":"2222222222222222222222222222222222222222222222222222222222222222","version":"2.0.0"}],"platform":"linux-x86_64","python":"3.11","version":1},"pip":["tinyb==2"],"python":{"version":"3.11"}}}';

async function copyVector(): Promise<string> {
  const dir = await tempDir("envforge-lock-");
  await copyFile(path.join(vector, "env.yaml"), path.join(dir, "env.yaml"));
  await copyFile(path.join(vector, "env.lock"), path.join(dir, "env.lock"));
  return dir;
}

describe("the lock section of the canonical form", () => {
  it("a definition with a lock hashes to the frozen vector", async () => {
    const { engine } = await testEngine();
    const result = await engine.hash(path.join(vector, "env.yaml"));
    expect(result.canonicalText).toBe(VECTOR_CANONICAL);
    expect(result.hash).toBe(VECTOR_HASH);
  });

  it("a new lock is a new hash; removing it gives the hash without one back", async () => {
    const { engine } = await testEngine();
    const dir = await tempDir("envforge-lock-");
    await copyFile(path.join(vector, "env.yaml"), path.join(dir, "env.yaml"));
    const without = await engine.hash(path.join(dir, "env.yaml"));
    expect(without.canonicalText).not.toContain('"lock"');
    await copyFile(path.join(vector, "env.lock"), path.join(dir, "env.lock"));
    const withLock = await engine.hash(path.join(dir, "env.yaml"));
    expect(withLock.hash).toBe(VECTOR_HASH);
    expect(withLock.hash).not.toBe(without.hash);
    const text = await readFile(path.join(dir, "env.lock"), "utf8");
    await writeFile(path.join(dir, "env.lock"), text.replace("1.0.0", "1.1.0").replace("tinya-1.0.0", "tinya-1.1.0"));
    expect((await engine.hash(path.join(dir, "env.yaml"))).hash).not.toBe(VECTOR_HASH);
  });

  it("reordering the lock's entries, its keys or its comments does not move the hash", async () => {
    const { engine } = await testEngine();
    const dir = await copyVector();
    const lock = parseLockText(await readFile(path.join(dir, "env.lock"), "utf8"), "env.lock");
    const reordered = {
      pip: [...lock.pip!].reverse().map((d) => ({ sha256: d.sha256, file: d.file, version: d.version, name: d.name })),
      platform: lock.platform,
      python: lock.python,
      version: 1,
    };
    await writeFile(path.join(dir, "env.lock"), `# another comment\n${JSON.stringify(reordered, null, 1)}\n`);
    expect((await engine.hash(path.join(dir, "env.yaml"))).hash).toBe(VECTOR_HASH);
  });

  it("formatLock writes sorted, stable text that reads back to the same hash", async () => {
    const lock = parseLockText(await readFile(path.join(vector, "env.lock"), "utf8"), "env.lock");
    const shuffled: EnvLock = { ...lock, pip: [...lock.pip!].reverse() };
    expect(formatLock(shuffled)).toBe(formatLock(lock));
    expect(formatLock(lock)).toBe(await readFile(path.join(vector, "env.lock"), "utf8"));
  });

  it("a malformed lock is E_INVALID_LOCK at its line", async () => {
    const { engine } = await testEngine();
    const dir = await copyVector();
    const text = await readFile(path.join(dir, "env.lock"), "utf8");
    await writeFile(path.join(dir, "env.lock"), text.replace('"2222222222222222222222222222222222222222222222222222222222222222"', '"nothex"'));
    const error = await engine.hash(path.join(dir, "env.yaml")).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: "E_INVALID_LOCK", location: { file: path.join(dir, "env.lock"), line: 13 } });
    expect(String((error as Error).message)).toContain("pip[1].sha256");
  });

  it("the lock path replaces the extension", () => {
    expect(lockPathFor("/a/env.yaml")).toBe("/a/env.lock");
    expect(lockPathFor("/a/envforge.json")).toBe("/a/envforge.lock");
    expect(lockPathFor("/a/env")).toBe("/a/env.lock");
  });

  it("a definition given as text or object has no lock", async () => {
    const { engine } = await testEngine();
    const text = await readFile(path.join(vector, "env.yaml"), "utf8");
    const result = await engine.hash({ text, file: path.join(vector, "env.yaml"), dir: vector });
    expect(result.canonicalText).not.toContain('"lock"');
  });
});

describe("the quick path and the lock", () => {
  const filesBuilder: EnginePlugin = {
    name: "files-builder",
    apply(engine) {
      engine.hooks.build.for("files").tapPromise("files-builder", async (ctx) => {
        await mkdir(ctx.artifactDir, { recursive: true });
        return { artifact: { kind: "files", path: ctx.artifactDir } };
      });
    },
  };

  it("a lock that appears, changes or goes away beside a memoized definition is never a stale quick hit", async () => {
    const cacheDir = await tempDir("envforge-cache-");
    const dir = await tempDir("envforge-lock-");
    const file = path.join(dir, "env.yaml");
    await copyFile(path.join(vector, "env.yaml"), file);
    const engine = createEngine({ cacheDir, plugins: [pipPlugin(), filesBuilder], pipelineId: "lock-test" });
    const ask = () => quickHit({ file, cacheDir, target: "files", pipelineId: "lock-test" })?.hash;
    const without = await engine.build(file, { target: "files" });
    expect(ask()).toBe(without.hash);
    await copyFile(path.join(vector, "env.lock"), path.join(dir, "env.lock"));
    expect(ask()).toBeUndefined(); // a new input: the engine answers (and records it)
    const withLock = await engine.build(file, { target: "files" });
    expect(withLock.hash).toBe(VECTOR_HASH);
    expect(ask()).toBe(VECTOR_HASH);
    await appendFile(path.join(dir, "env.lock"), "# changed\n");
    expect(ask()).toBeUndefined();
    await rm(path.join(dir, "env.lock"));
    expect(ask()).toBeUndefined();
  });
});
