import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine, type CacheEntry, type EngineEvent, type Hash } from "../plugin-kit.js";

const HASH = `efh1:${"a".repeat(64)}` as Hash;
const entry = (hash: Hash): CacheEntry => ({
  schema: 1,
  hash,
  target: "files",
  generation: 3,
  builder: "files",
  artifact: { kind: "files" },
  timings: { startedAt: "2024-01-01T00:00:00.000Z", finishedAt: "2024-01-01T00:00:01.000Z", durationMs: 1000 },
  canonicalText: "{}",
});

async function engineWithWarmEntry() {
  const engine = createEngine({ cacheDir: await mkdtemp(path.join(os.tmpdir(), "ef-fast-")) });
  engine.cache.memory.put(entry(HASH));
  const events: EngineEvent[] = [];
  engine.hooks.event.tap("test", (e) => events.push(e));
  return { engine, events };
}

/** The memory tier answers warm hits without the async hook chain; nothing observable may differ. */
describe("lookup: memory-tier hit", () => {
  it("returns the entry with the same events as the hook chain (start, hit, finish)", async () => {
    const { engine, events } = await engineWithWarmEntry();
    const hit = await engine.lookup(HASH, "files");
    expect(hit).toMatchObject({ store: "memory", entry: { hash: HASH, generation: 3 } });
    expect(events.map((e) => e.type)).toEqual(["stage.start", "cache.hit", "stage.finish"]);
    expect(events[1]).toMatchObject({ type: "cache.hit", store: "memory", generation: 3, hash: HASH, target: "files" });
  });

  it("still asks a host's store tapped before the memory tier, and a call interceptor still sees the lookup", async () => {
    const { engine } = await engineWithWarmEntry();
    const asked: string[] = [];
    engine.hooks.lookup.tap({ name: "host-first", stage: -20 }, (key) => void asked.push(key.hash));
    expect(await engine.lookup(HASH, "files")).toMatchObject({ store: "memory" });
    expect(asked).toEqual([HASH]);

    const { engine: watched } = await engineWithWarmEntry();
    const calls: string[] = [];
    watched.hooks.lookup.intercept({ call: (key) => void calls.push(key.hash) });
    expect(await watched.lookup(HASH, "files")).toMatchObject({ store: "memory" });
    expect(calls).toEqual([HASH]);
  });

  it("misses in memory fall through to the other tiers as before", async () => {
    const { engine, events } = await engineWithWarmEntry();
    const other = `efh1:${"b".repeat(64)}` as Hash;
    expect(await engine.lookup(other, "files")).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(["stage.start", "cache.miss", "stage.finish"]);
  });
});
