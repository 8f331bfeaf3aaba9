import { afterEach, describe, expect, it, vi } from "vitest";
import { MEMORY_RECHECK_MS, MemoryStore } from "./memory-store.js";
import type { CacheEntry } from "./types.js";

const entry: CacheEntry = {
  schema: 1,
  hash: `efh1:${"b".repeat(64)}` as CacheEntry["hash"],
  target: "venv",
  generation: 1,
  builder: "pip",
  artifact: { kind: "venv", path: "/nowhere" },
  timings: { startedAt: "", finishedAt: "", durationMs: 0 },
  canonicalText: "",
};

afterEach(() => void vi.useRealTimers());

describe("the memory tier's check", () => {
  it("runs at most once a second per entry, and a failed check drops the entry", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    let checks = 0;
    let healthy = true;
    const memory = new MemoryStore(10, () => (checks++, healthy));
    memory.put(entry);
    for (let i = 0; i < 100; i++) expect(memory.get(entry)).toBe(entry);
    expect(checks).toBe(0); // put counts as checked
    vi.setSystemTime(1_000_000 + MEMORY_RECHECK_MS + 1);
    expect(memory.get(entry)).toBe(entry);
    expect(memory.get(entry)).toBe(entry);
    expect(checks).toBe(1);
    healthy = false;
    vi.setSystemTime(1_000_000 + 2 * MEMORY_RECHECK_MS + 2);
    expect(memory.get(entry)).toBeUndefined();
    expect(memory.size).toBe(0);
  });

  it("checks again when the clock went back", () => {
    vi.useFakeTimers({ now: 5_000_000 });
    let checks = 0;
    const memory = new MemoryStore(10, () => (checks++, true));
    memory.put(entry);
    vi.setSystemTime(4_000_000);
    memory.get(entry);
    expect(checks).toBe(1);
  });
});
