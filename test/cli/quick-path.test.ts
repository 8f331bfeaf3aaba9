import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createEngine, type Engine, type EngineEvent, type EnginePlugin, type EngineOptions } from "@envforge/core/plugin-kit";
import { quickHit } from "@envforge/core/quick";
import { pipPlugin } from "@envforge/plugin-pip";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/engine.js";

const PIPELINE = "test-pipeline/1";

/** A builder for a "files" target: the artifact is a folder in the cache, as a venv is. */
const filesBuilder: EnginePlugin = {
  name: "files-builder",
  apply(engine) {
    engine.hooks.build.for("files").tapPromise("files-builder", async (ctx) => {
      mkdirSync(ctx.artifactDir, { recursive: true });
      writeFileSync(path.join(ctx.artifactDir, "canonical.json"), JSON.stringify(ctx.canonical));
      return { artifact: { kind: "files", path: ctx.artifactDir } };
    });
  },
};

/** A definition with an inline list (one item unpinned: a warning) and a requirements file that includes another. */
async function project(): Promise<{ dir: string; file: string; cacheDir: string }> {
  const dir = await tempDir("envforge-quick-");
  const file = path.join(dir, "env.yaml");
  writeFileSync(file, "python:\n  pip:\n    - pinned-one==1.0\n    - loose-one\n  pipRequirements: requirements.txt\n");
  writeFileSync(path.join(dir, "requirements.txt"), "-r more.txt\nfrom-file==2.0\n");
  writeFileSync(path.join(dir, "more.txt"), "included==3.0\n");
  return { dir, file, cacheDir: path.join(dir, "cache") };
}

function engineFor(cacheDir: string, options: Partial<EngineOptions> = {}): { engine: Engine; events: EngineEvent[] } {
  const engine = createEngine({ cacheDir, plugins: [pipPlugin(), filesBuilder], pipelineId: PIPELINE, ...options });
  const events: EngineEvent[] = [];
  engine.hooks.event.tap("test", (e) => events.push(e));
  return { engine, events };
}

const ask = (file: string, cacheDir: string, more: Partial<Parameters<typeof quickHit>[0]> = {}) =>
  quickHit({ file, cacheDir, target: "files", pipelineId: PIPELINE, ...more });

describe("quick hit (@envforge/core/quick) from the source memo", () => {
  it("answers a built definition with the engine's hash, entry and parse warnings", async () => {
    const { file, cacheDir } = await project();
    const { engine, events } = engineFor(cacheDir);
    expect(ask(file, cacheDir)).toBeUndefined(); // nothing recorded yet
    const built = await engine.build({ path: file }, { target: "files" });
    const hit = ask(file, cacheDir);
    expect(hit).toBeDefined();
    expect(hit!.hash).toBe(built.hash);
    expect(hit!.entry).toEqual((await engine.cache.local.get({ hash: built.hash, target: "files" })).entry);
    const warnings = events.filter((e) => e.type === "warning");
    expect(warnings.map((w) => w.code)).toContain("W_UNPINNED");
    // The memo keeps what was warned, not when (events are stamped with `time` as they are emitted).
    expect(hit!.warnings).toEqual(warnings.map(({ time: _time, ...w }) => w));
    expect(hit!.named).toBe(false);
  });

  it("is recorded by a build only (a hash of a file never built writes nothing), and not rewritten while it holds", async () => {
    const { file, cacheDir } = await project();
    const { engine } = engineFor(cacheDir);
    const sources = path.join(cacheDir, "v1", "sources");
    const memos = () => {
      try {
        return readdirSync(sources, { recursive: true, withFileTypes: true })
          .filter((d) => d.isFile())
          .map((d) => statSync(path.join(d.parentPath, d.name)).ino);
      } catch {
        return [];
      }
    };
    await engine.hash({ path: file });
    await engine.explain({ path: file }, { path: file }).catch(() => undefined);
    expect(memos()).toEqual([]);
    expect(ask(file, cacheDir)).toBeUndefined();
    await engine.build({ path: file }, { target: "files" });
    const first = memos();
    expect(first).toHaveLength(1);
    // The workspace's way: resolve first, then build the parsed definition.
    const { parsed } = await engine.resolve({ path: file });
    await engine.build(parsed, { target: "files" });
    expect(memos()).toEqual(first);
    expect(ask(file, cacheDir)).toBeDefined();
  });

  it("never answers an old hash: any edit to the definition or a file it includes (even a comment) sends it back to the engine", async () => {
    const { dir, file, cacheDir } = await project();
    const { engine } = engineFor(cacheDir);
    await engine.build({ path: file }, { target: "files" });
    const edits: [string, string][] = [
      ["more.txt", "included==3.1\n"], // changes the hash
      ["requirements.txt", "# a comment\n-r more.txt\nfrom-file==2.0\n"], // does not
      ["env.yaml", "python:\n  pip:\n    - pinned-one==1.0\n  pipRequirements: requirements.txt\n"], // changes it
    ];
    for (const [name, text] of edits) {
      writeFileSync(path.join(dir, name), text);
      expect(ask(file, cacheDir), `after editing ${name}`).toBeUndefined();
      const again = await engine.build({ path: file }, { target: "files" });
      const hit = ask(file, cacheDir);
      expect(hit?.hash, `after rebuilding ${name}`).toBe(again.hash);
      expect(hit?.hash).toBe((await engine.hash({ path: file })).hash);
    }
  });

  it("is keyed by pipeline, outside-files permission and limits", async () => {
    const { file, cacheDir } = await project();
    await engineFor(cacheDir).engine.build({ path: file }, { target: "files" });
    expect(ask(file, cacheDir)).toBeDefined();
    expect(ask(file, cacheDir, { pipelineId: "another/1" })).toBeUndefined();
    expect(ask(file, cacheDir, { allowFilesOutsideRoot: true })).toBeUndefined();
    expect(ask(file, cacheDir, { limits: { maxFileLines: 10 } })).toBeUndefined();
    expect(ask(file, cacheDir, { target: "other" })).toBeUndefined();
    expect(ask(file, cacheDir, { target: "../files" })).toBeUndefined();
  });

  it("does not answer when the artifact, the entry or the memo is gone or damaged — and never throws", async () => {
    const { file, cacheDir } = await project();
    const built = await engineFor(cacheDir).engine.build({ path: file }, { target: "files" });
    const memoFiles = readdirSync(path.join(cacheDir, "v1", "sources"), { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
    expect(memoFiles).toHaveLength(1);
    const memo = path.join(memoFiles[0]!.parentPath, memoFiles[0]!.name);

    const text = readFileSync(memo, "utf8");
    writeFileSync(memo, text.slice(0, text.length / 2));
    expect(ask(file, cacheDir)).toBeUndefined();
    writeFileSync(memo, text.replace(/"hash":"efh1:[0-9a-f]{64}"/, `"hash":"efh1:${"0".repeat(64)}"`));
    expect(ask(file, cacheDir)).toBeUndefined(); // a memo pointing at a hash with no entry
    writeFileSync(memo, text);
    expect(ask(file, cacheDir)).toBeDefined();

    rmSync(built.entry.artifact.path!, { recursive: true });
    expect(ask(file, cacheDir)).toBeUndefined();
    const entryFile = path.join(cacheDir, "v1", "entries", "files", `${built.hash.slice(5)}.json`);
    writeFileSync(entryFile, "{");
    expect(ask(file, cacheDir)).toBeUndefined();
    unlinkSync(file);
    expect(ask(file, cacheDir)).toBeUndefined();
  });

  it("leaves targets with verify taps (artifacts outside the cache) to the engine", async () => {
    const { file, cacheDir } = await project();
    const verifying: EnginePlugin = { name: "verify", apply: (e) => e.hooks.verify.for("files").tap("verify", () => undefined) };
    const { engine } = engineFor(cacheDir, { plugins: [pipPlugin(), filesBuilder, verifying] });
    await engine.build({ path: file }, { target: "files" });
    expect(ask(file, cacheDir)).toBeUndefined();
  });

  it("refuses what the parser would refuse: an included file that now links outside the definition's folder", async () => {
    const { dir, file, cacheDir } = await project();
    await engineFor(cacheDir).engine.build({ path: file }, { target: "files" });
    const outside = path.join(await tempDir("envforge-outside-"), "more.txt");
    writeFileSync(outside, readFileSync(path.join(dir, "more.txt")));
    unlinkSync(path.join(dir, "more.txt"));
    symlinkSync(outside, path.join(dir, "more.txt")); // same bytes, now outside
    expect(ask(file, cacheDir)).toBeUndefined();
    await expect(engineFor(cacheDir).engine.hash({ path: file })).rejects.toMatchObject({ code: "E_FILE_OUTSIDE_ROOT" });
  });

  it("keeps the definition's runtime variables (never hashed) for the host, unless they hold a secret", async () => {
    const { dir, file, cacheDir } = await project();
    const definition = readFileSync(file, "utf8");
    writeFileSync(file, `variables:\n  GREETING: hello\n  COUNT: 3\n${definition}`);
    const { engine } = engineFor(cacheDir);
    const built = await engine.build({ path: file }, { target: "files" });
    const hit = ask(file, cacheDir);
    expect(hit?.hash).toBe(built.hash);
    expect(hit?.variables).toEqual((await engine.resolve({ path: file })).parsed.variables);
    expect(hit?.variables).toEqual({ GREETING: "hello", COUNT: "3" });

    // A value the engine masks: the memo still answers (the hash, the entry), without the variables.
    writeFileSync(file, `variables:\n  TOKEN: s3cr3t-token-value\n${definition}`);
    const secretCache = path.join(dir, "cache-2");
    await engineFor(secretCache, { secrets: ["s3cr3t-token"] }).engine.build({ path: file }, { target: "files" });
    const masked = ask(file, secretCache);
    expect(masked).toBeDefined();
    expect(masked!.variables).toBeUndefined();
    for (const f of readdirSync(path.join(secretCache, "v1", "sources"), { recursive: true, withFileTypes: true }).filter((d) => d.isFile())) {
      expect(readFileSync(path.join(f.parentPath, f.name), "utf8")).not.toContain("s3cr3t-token");
    }
  });

  it("records nothing without a pipelineId, and records no secret", async () => {
    const { dir, file, cacheDir } = await project();
    await createEngine({ cacheDir, plugins: [pipPlugin(), filesBuilder] }).build({ path: file }, { target: "files" });
    expect(statSync(path.join(cacheDir, "v1", "sources"), { throwIfNoEntry: false })).toBeUndefined();

    writeFileSync(file, "python:\n  pip:\n    - s3cr3t-token-pkg\n");
    const secretCache = path.join(dir, "cache-2");
    await engineFor(secretCache, { secrets: ["s3cr3t-token"] }).engine.build({ path: file }, { target: "files" });
    const hit = ask(file, secretCache);
    expect(hit?.warnings.length).toBeGreaterThan(0);
    for (const f of readdirSync(path.join(secretCache, "v1", "sources"), { recursive: true, withFileTypes: true }).filter((d) => d.isFile())) {
      expect(readFileSync(path.join(f.parentPath, f.name), "utf8")).not.toContain("s3cr3t-token");
    }
  });
});
