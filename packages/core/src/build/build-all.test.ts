import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createError, type EnginePlugin } from "../plugin-kit.js";
import { createTestEngine, type TestEngine } from "../testing.js";

const TARGET = "lane-files";

/**
 * A section `{ job: { id, fail? } }` and a builder that records which engine (builder option
 * `job.engine`) built what, how many builds each engine ran at once, and fails like an
 * unreachable engine when that engine is in `broken`.
 */
function jobPlugin(record: { builds: Array<{ id: string; engine: string }>; peak: Map<string, number>; broken: Set<string> }): EnginePlugin {
  const running = new Map<string, number>();
  return {
    name: "job",
    apply(engine) {
      engine.hooks.schema.tap("job", (s) => s.field({ path: "job", section: "job", schema: z.object({ id: z.string(), fail: z.boolean().optional() }), description: "test job" }));
      engine.hooks.parseSection.for("job").tap("job", (fields) => fields.job);
      engine.hooks.canonicalizeSection.for("job").tap("job", (v) => v as { id: string; fail?: boolean });
      engine.hooks.build.for(TARGET).tapPromise("job", async (ctx) => {
        const job = ctx.canonical.sections.job as { id: string; fail?: boolean };
        const on = String(ctx.options.job?.engine ?? "default");
        running.set(on, (running.get(on) ?? 0) + 1);
        record.peak.set(on, Math.max(record.peak.get(on) ?? 0, running.get(on)!));
        try {
          await sleep(30);
          if (record.broken.has(on)) throw createError("E_BUILD_FAILED", `cannot connect to engine ${on}`);
          if (job.fail) throw createError("E_BUILD_FAILED", `step 2 of ${job.id} failed`);
          record.builds.push({ id: job.id, engine: on });
          await mkdir(ctx.artifactDir, { recursive: true });
          await writeFile(path.join(ctx.artifactDir, "id"), job.id);
          return { artifact: { kind: "files", path: ctx.artifactDir } };
        } finally {
          running.set(on, running.get(on)! - 1);
        }
      });
    },
  };
}

const spec = (id: string, fail?: boolean) => ({ source: { object: { name: `job-${id}`, job: { id, ...(fail ? { fail } : {}) } } }, ref: id });

describe("engine.buildAll", () => {
  let t: TestEngine | undefined;
  afterEach(async () => t?.cleanup());

  async function setUp() {
    const record = { builds: [] as Array<{ id: string; engine: string }>, peak: new Map<string, number>(), broken: new Set<string>() };
    t = await createTestEngine([jobPlugin(record)]);
    // The lane's check: what a CLI's ping of the engine would say.
    const check = async (name: string) => {
      if (record.broken.has(name)) throw new Error(`${name} does not answer`);
    };
    const lane = (name: string) => ({ name, builderOptions: { job: { engine: name } }, check: () => check(name) });
    return { engine: t.engine, record, lane };
  }

  it("builds each distinct hash once; every item of a key gets its result; a second batch is all hits", async () => {
    const { engine, record } = await setUp();
    const items = [spec("a"), spec("b"), spec("a"), spec("c"), spec("b")];
    const out = await engine.buildAll(items, { target: TARGET });
    expect(record.builds.map((b) => b.id).sort()).toEqual(["a", "b", "c"]);
    expect(out.totals).toMatchObject({ items: 5, distinct: 3, built: 5, hit: 0, failed: 0 });
    expect(out.items[0]!.result?.entry).toEqual(out.items[2]!.result?.entry);
    expect(out.items.map((i) => i.ref)).toEqual(["a", "b", "a", "c", "b"]);
    const again = await engine.buildAll(items, { target: TARGET });
    expect(again.totals).toMatchObject({ built: 0, hit: 5 });
    expect(record.builds).toHaveLength(3);
  });

  it("runs at most `concurrency` builds per lane, and uses every lane", async () => {
    const { engine, record, lane } = await setUp();
    const items = Array.from({ length: 12 }, (_, i) => spec(`k${i}`));
    const out = await engine.buildAll(items, { target: TARGET, lanes: [lane("one"), lane("two")], concurrency: 2 });
    expect(out.totals.built).toBe(12);
    expect(record.peak.get("one")).toBeLessThanOrEqual(2);
    expect(record.peak.get("two")).toBeLessThanOrEqual(2);
    // Both lanes took work, and the lane summaries count it.
    expect(out.lanes.map((l) => l.built).every((n) => n > 0)).toBe(true);
    expect(out.lanes.reduce((n, l) => n + l.built, 0)).toBe(12);
    expect(out.lanes.every((l) => l.busyMs > 0)).toBe(true);
  });

  it("a lane whose engine fails is marked down and its builds move to another lane", async () => {
    const { engine, record, lane } = await setUp();
    record.broken.add("dead");
    const items = Array.from({ length: 6 }, (_, i) => spec(`m${i}`));
    const out = await engine.buildAll(items, { target: TARGET, lanes: [lane("dead"), lane("alive")], concurrency: 2 });
    expect(out.totals).toMatchObject({ built: 6, failed: 0 });
    expect(record.builds.every((b) => b.engine === "alive")).toBe(true);
    const dead = out.lanes.find((l) => l.name === "dead")!;
    expect(dead.down?.code).toBe("E_BUILD_FAILED");
    expect(dead.built).toBe(0);
    const moved = out.items.filter((i) => i.movedFrom?.includes("dead"));
    expect(moved.length).toBeGreaterThan(0);
    for (const item of moved) expect(item.lane).toBe("alive");
  });

  it("a definition's own failure is not moved: it fails once, on its lane, and the others build", async () => {
    const { engine, record, lane } = await setUp();
    const out = await engine.buildAll([spec("ok1"), spec("bad", true), spec("ok2")], { target: TARGET, lanes: [lane("one"), lane("two")], concurrency: 1 });
    const bad = out.items.find((i) => i.ref === "bad")!;
    expect(bad).toMatchObject({ status: "failed", error: { code: "E_BUILD_FAILED", kind: "build" } });
    expect(bad.movedFrom).toBeUndefined();
    expect(out.lanes.every((l) => l.down === undefined)).toBe(true);
    expect(out.lanes.reduce((n, l) => n + l.failed, 0)).toBe(1);
    expect(record.builds.map((b) => b.id).sort()).toEqual(["ok1", "ok2"]);
  });

  it("a definition that does not resolve fails alone with its input error; every lane down fails what is left", async () => {
    const { engine, record, lane } = await setUp();
    const broken = { source: { object: { name: "x", job: { id: 3 } } }, ref: "broken" };
    record.broken.add("only");
    const out = await engine.buildAll([broken, spec("z")], { target: TARGET, lanes: [lane("only")] });
    expect(out.items[0]).toMatchObject({ status: "failed", error: { kind: "input" } });
    expect(out.items[1]).toMatchObject({ status: "failed", lane: "only", error: { code: "E_BUILD_FAILED" } });
    expect(out.lanes[0]!.down).toBeDefined();
  });

  it("refuses a concurrency below 1 and two lanes of one name", async () => {
    const { engine, lane } = await setUp();
    await expect(engine.buildAll([spec("a")], { target: TARGET, concurrency: 0 })).rejects.toMatchObject({ code: "E_INVALID_VALUE" });
    await expect(engine.buildAll([spec("a")], { target: TARGET, lanes: [lane("x"), lane("x")] })).rejects.toMatchObject({ code: "E_INVALID_VALUE" });
  });
});
