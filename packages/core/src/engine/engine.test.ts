import { mkdtemp, readFile, writeFile, readdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createEngine, EnvforgeError, PluginError, type EngineEvent, type EnginePlugin } from "../plugin-kit.js";

/** A minimal section ("list") with a builder that writes a file: enough to drive the pipeline. */
function listPlugin(counter = { builds: 0 }, options: { failBuild?: boolean; delayMs?: number } = {}): EnginePlugin {
  return {
    name: "list",
    apply(engine) {
      engine.hooks.schema.tap("list", (s) =>
        s.field({ path: "python.pip", section: "pip", schema: z.array(z.string()), description: "packages", installs: true }),
      );
      engine.hooks.parseSection.for("pip").tap("list", (fields) => fields["python.pip"]);
      engine.hooks.canonicalizeSection.for("pip").tap("list", (v) => [...new Set(v as string[])].sort());
      engine.hooks.build.for("files").tapPromise("list", async (ctx) => {
        counter.builds++;
        const { mkdir } = await import("node:fs/promises");
        await mkdir(ctx.artifactDir, { recursive: true });
        await writeFile(path.join(ctx.artifactDir, "out.txt"), JSON.stringify(ctx.canonical));
        ctx.log("wrote out.txt");
        if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
        if (options.failBuild) throw new Error("step 2 failed");
        return { artifact: { kind: "files", path: ctx.artifactDir } };
      });
    },
  };
}

const tmp = () => mkdtemp(path.join(os.tmpdir(), "ef-core-"));
const spec = (pip: string[], name = "demo") => ({ object: { name, python: { pip } } });

describe("engine", () => {
  it("names its cache root: the host's cacheDir resolved (or the default), the local store's parent", async () => {
    const dir = await tmp();
    const relative = path.relative(process.cwd(), dir);
    for (const cacheDir of [dir, `${dir}/`, relative]) {
      const engine = createEngine({ cacheDir });
      expect(engine.cacheDir).toBe(dir);
      expect(engine.cacheDir).toBe(path.dirname(engine.cache.local.root));
    }
    const fallback = createEngine();
    expect(fallback.cacheDir).toBe(path.dirname(fallback.cache.local.root));
  });

  it("applies the memory and local tiers as built-in plugins, before the host's", async () => {
    const engine = createEngine({ plugins: [listPlugin()], cacheDir: await tmp() });
    expect(engine.hooks.lookup.taps.map((t) => t.name)).toEqual(["envforge:memory", "envforge:local"]);
    expect(engine.hooks.store.taps.map((t) => t.name)).toEqual(["envforge:memory", "envforge:local"]);
    expect(engine.hooks.backfill.taps.map((t) => t.name)).toEqual(["envforge:memory", "envforge:local"]);
  });

  it("hashes, ignoring identity and set order", async () => {
    const engine = createEngine({ plugins: [listPlugin()], cacheDir: await tmp() });
    const a = await engine.hash(spec(["x", "y"], "a"));
    const b = await engine.hash(spec(["y", "x", "x"], "b"));
    expect(a.hash).toBe(b.hash);
    expect(a.hash).toMatch(/^efh1:[0-9a-f]{64}$/);
    expect(a.canonicalText).toBe('{"contract":"efh1","sections":{"pip":["x","y"]}}');
  });

  it("builds on a miss, then hits from memory and, in a new engine, from disk", async () => {
    const cacheDir = await tmp();
    const counter = { builds: 0 };
    const events: EngineEvent[] = [];
    const engine = createEngine({ plugins: [listPlugin(counter)], cacheDir });
    engine.hooks.event.tap("t", (e) => events.push(e));
    const first = await engine.build(spec(["x"]), { target: "files" });
    expect(first.cached).toBe(false);
    expect(events.some((e) => e.type === "cache.miss")).toBe(true);
    const second = await engine.build(spec(["x"], "renamed"), { target: "files" });
    expect(second).toMatchObject({ cached: true, store: "memory" });
    const fresh = createEngine({ plugins: [listPlugin(counter)], cacheDir });
    expect(await fresh.build(spec(["x"]), { target: "files" })).toMatchObject({ cached: true, store: "local" });
    expect(counter.builds).toBe(1);
    expect(await readFile(first.entry.logPath!, "utf8")).toContain("wrote out.txt");
  });

  it("concurrent builds of one hash in one process build once", async () => {
    const counter = { builds: 0 };
    const engine = createEngine({ plugins: [listPlugin(counter, { delayMs: 50 })], cacheDir: await tmp() });
    const results = await Promise.all(Array.from({ length: 8 }, () => engine.build(spec(["x"]), { target: "files" })));
    expect(counter.builds).toBe(1);
    expect(new Set(results.map((r) => r.hash)).size).toBe(1);
  });

  it("a failed build leaves no entry and no artifact, and the engine stays usable", async () => {
    const cacheDir = await tmp();
    const engine = createEngine({ plugins: [listPlugin({ builds: 0 }, { failBuild: true })], cacheDir });
    const error = await engine.build(spec(["x"]), { target: "files" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvforgeError);
    expect((error as EnvforgeError).code).toBe("E_PLUGIN");
    expect(await engine.cache.local.list()).toEqual([]);
    const artifacts = path.join(cacheDir, "v1", "artifacts", "files");
    expect(existsSync(artifacts) ? await readdir(artifacts) : []).toEqual([]);
    expect((await engine.hash(spec(["y"]))).hash).toMatch(/^efh1:/);
  });

  it("a corrupt entry reads as a miss with a warning and is rebuilt", async () => {
    const cacheDir = await tmp();
    const counter = { builds: 0 };
    const first = await createEngine({ plugins: [listPlugin(counter)], cacheDir }).build(spec(["x"]), { target: "files" });
    const entryFile = path.join(cacheDir, "v1", "entries", "files", `${first.hash.slice(5)}.json`);
    await writeFile(entryFile, '{"schema":1,"hash":');
    const events: EngineEvent[] = [];
    const engine = createEngine({ plugins: [listPlugin(counter)], cacheDir });
    engine.hooks.event.tap("t", (e) => events.push(e));
    const again = await engine.build(spec(["x"]), { target: "files" });
    expect(again.cached).toBe(false);
    expect(counter.builds).toBe(2);
    expect(events.find((e) => e.type === "warning")).toMatchObject({ code: "E_CACHE_CORRUPT" });
  });

  it("--rebuild makes a new generation and keeps the old one reachable", async () => {
    const cacheDir = await tmp();
    const engine = createEngine({ plugins: [listPlugin()], cacheDir });
    const first = await engine.build(spec(["x"]), { target: "files" });
    const second = await engine.build(spec(["x"]), { target: "files", rebuild: true });
    expect(second.entry.generation).toBe(first.entry.generation + 1);
    expect(existsSync(first.entry.artifact.path!)).toBe(true);
    expect(existsSync(path.join(cacheDir, "v1", "generations", "files", first.hash.slice(5), "1.json"))).toBe(true);
  });

  it("a section no plugin handles is an error, never hashed raw", async () => {
    const engine = createEngine({ cacheDir: await tmp() });
    const error = await engine.hash(spec(["x"])).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_NO_PLUGIN", field: "python.pip" });
  });

  it("a plugin that throws becomes a PluginError naming plugin and hook", async () => {
    const bad: EnginePlugin = {
      name: "bad",
      apply(engine) {
        engine.hooks.canonicalizeSection.for("pip").tap("bad", () => {
          throw new TypeError("boom");
        });
      },
    };
    const engine = createEngine({ plugins: [bad, listPlugin()], cacheDir: await tmp() });
    const error = (await engine.hash(spec(["x"])).catch((e: unknown) => e)) as PluginError;
    expect(error).toBeInstanceOf(PluginError);
    expect(error.plugin).toBe("bad");
    expect(error.hook).toBe("canonicalizeSection(pip)");
  });

  it("an unknown build target is E_NO_BUILDER", async () => {
    const engine = createEngine({ plugins: [listPlugin()], cacheDir: await tmp() });
    await expect(engine.build(spec(["x"]), { target: "nope" })).rejects.toMatchObject({ code: "E_NO_BUILDER" });
  });

  it("publishes a JSON Schema with every loaded field", async () => {
    const engine = createEngine({ plugins: [listPlugin()], cacheDir: await tmp() });
    const schema = engine.jsonSchema() as { properties: Record<string, { properties?: Record<string, unknown> }> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["name", "python", "variables"]));
    expect(Object.keys(schema.properties.python!.properties!)).toEqual(expect.arrayContaining(["pip", "version", "userManaged"]));
  });

  it("redacts secrets from logs and events", async () => {
    const engine = createEngine({ plugins: [listPlugin()], cacheDir: await tmp(), secrets: ["s3cr3t-token"] });
    const lines: string[] = [];
    engine.hooks.event.tap("t", (e) => e.type === "log" && lines.push(e.line));
    engine.hooks.build.for("files").tap({ name: "leak", stage: -1 }, (ctx) => {
      ctx.log("using s3cr3t-token now");
      return undefined;
    });
    const result = await engine.build(spec(["x"]), { target: "files" });
    expect(lines.join("\n")).toContain("using *** now");
    expect(await readFile(result.entry.logPath!, "utf8")).not.toContain("s3cr3t-token");
  });

  it("an entry whose artifact a verify tap says is gone is a miss, rebuilt as a new generation", async () => {
    const cacheDir = await tmp();
    const counter = { builds: 0 };
    const gone = new Set<string>();
    const verifying: EnginePlugin = {
      name: "verify",
      apply(engine) {
        engine.hooks.verify.for("files").tap("verify", (entry) => (gone.has(entry.artifact.path!) ? `${entry.artifact.path} was removed` : undefined));
      },
    };
    const first = await createEngine({ plugins: [listPlugin(counter), verifying], cacheDir }).build(spec(["x"]), { target: "files" });
    gone.add(first.entry.artifact.path!);
    const events: EngineEvent[] = [];
    const engine = createEngine({ plugins: [listPlugin(counter), verifying], cacheDir });
    engine.hooks.event.tap("t", (e) => events.push(e));
    const again = await engine.build(spec(["x"]), { target: "files" });
    expect(again.cached).toBe(false);
    expect(again.entry.generation).toBe(2);
    expect(counter.builds).toBe(2);
    expect(events.find((e) => e.type === "warning")).toMatchObject({ code: "W_ARTIFACT_GONE" });
  });
});
