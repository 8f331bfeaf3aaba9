import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { STAGE_NETWORK } from "../cache/types.js";
import { createEngine, type EngineEvent, type EnginePlugin, type WarningCode } from "../plugin-kit.js";

/** A section and a builder that writes one file: enough to make real entries. */
const listPlugin: EnginePlugin = {
  name: "list",
  apply(engine) {
    engine.hooks.schema.tap("list", (s) => s.field({ path: "python.pip", section: "pip", schema: z.array(z.string()), description: "packages", installs: true }));
    engine.hooks.parseSection.for("pip").tap("list", (fields) => fields["python.pip"]);
    engine.hooks.canonicalizeSection.for("pip").tap("list", (v) => [...(v as string[])].sort());
    engine.hooks.build.for("files").tapPromise("list", async (ctx) => {
      await mkdir(ctx.artifactDir, { recursive: true });
      await writeFile(path.join(ctx.artifactDir, "out.txt"), "built");
      return { artifact: { kind: "files", path: ctx.artifactDir } };
    });
  },
};

const tmp = () => mkdtemp(path.join(os.tmpdir(), "ef-readonly-"));

async function definitionFile(dir: string): Promise<string> {
  const file = path.join(dir, "env.yaml");
  await writeFile(file, "python:\n  pip: [x]\n");
  return file;
}

describe("EngineOptions.readOnly: an engine that only looks (build --dry-run)", () => {
  it("resolving records no source memo and a lookup of an unsealed entry writes no seal", async () => {
    const cacheDir = await tmp();
    const file = await definitionFile(cacheDir);
    const writer = createEngine({ plugins: [listPlugin], cacheDir });
    const built = await writer.build({ path: file }, { target: "files" });
    const entryFile = writer.cache.local.entryPath({ hash: built.hash, target: "files" });
    const { seal: _seal, ...unsealed } = JSON.parse(await readFile(entryFile, "utf8")) as Record<string, unknown>;
    await writeFile(entryFile, JSON.stringify(unsealed));

    const reader = createEngine({ plugins: [listPlugin], cacheDir: path.join(cacheDir, "other"), pipelineId: "test", readOnly: true });
    await reader.resolve({ path: file });
    expect(existsSync(path.join(cacheDir, "other")), "no memo, not even the folder").toBe(false);

    const looker = createEngine({ plugins: [listPlugin], cacheDir, readOnly: true });
    const hit = await looker.lookup(built.hash, "files");
    expect(hit?.store).toBe("local");
    expect(await readFile(entryFile, "utf8")).toBe(JSON.stringify(unsealed));
    // The same lookup on a writable engine seals it: the write-back the read-only one skipped.
    await createEngine({ plugins: [listPlugin], cacheDir }).lookup(built.hash, "files");
    expect(await readFile(entryFile, "utf8")).toContain('"seal"');
  });

  it("a hit from a slower store is not backfilled, and build refuses on a miss", async () => {
    const cacheDir = await tmp();
    const file = await definitionFile(cacheDir);
    const built = await createEngine({ plugins: [listPlugin], cacheDir }).build({ path: file }, { target: "files" });
    const remoteCache = await tmp();
    const backfilled: string[] = [];
    const remote: EnginePlugin = {
      name: "remote",
      apply(engine) {
        engine.hooks.lookup.tap({ name: "remote", stage: STAGE_NETWORK }, (key) => (key.hash === built.hash ? { entry: built.entry, store: "remote" } : undefined));
        engine.hooks.backfill.tap("watch", (_entry, from) => void backfilled.push(from));
      },
    };
    const looker = createEngine({ plugins: [listPlugin, remote], cacheDir: remoteCache, readOnly: true });
    expect(await looker.lookup(built.hash, "files")).toMatchObject({ store: "remote" });
    expect(backfilled).toEqual([]);
    expect(existsSync(remoteCache)).toBe(true); // made by mkdtemp: nothing inside it
    expect(await import("node:fs/promises").then((fs) => fs.readdir(remoteCache))).toEqual([]);
    await expect(looker.build({ object: { python: { pip: ["y"] } } }, { target: "files" })).rejects.toMatchObject({ code: "E_INVALID_VALUE" });
  });
});

describe("events carry the time they were emitted", () => {
  it("every event a listener receives has `time` in epoch milliseconds, in order", async () => {
    const engine = createEngine({ plugins: [listPlugin], cacheDir: await tmp() });
    const events: EngineEvent[] = [];
    engine.hooks.event.tap("t", (e) => events.push(e));
    const before = Date.now();
    await engine.build({ object: { python: { pip: ["x"] } } }, { target: "files" });
    engine.emit({ type: "warning", code: "W_TEST" as WarningCode, message: "a host's own event" });
    const after = Date.now();
    expect(events.length).toBeGreaterThan(5);
    for (const e of events) {
      expect(e.time).toBeGreaterThanOrEqual(before);
      expect(e.time).toBeLessThanOrEqual(after);
    }
    const times = events.map((e) => e.time!);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});
