/**
 * `@envforge/core/testing`: a harness for plugin authors' tests. An engine with your plugins over
 * a cache folder of its own, every event it emits captured, and a cleanup that removes the folder.
 * Nothing here is for production: it writes to the system's temporary folder.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createEngine, type Engine, type EngineOptions, type EnginePlugin } from "./index.js";
import type { EngineEvent } from "./engine/events.js";

export interface TestEngine {
  engine: Engine;
  /** The engine's own cache folder, removed by `cleanup`. */
  cacheDir: string;
  /** Every event the engine emitted, in order. */
  events: EngineEvent[];
  /** The events of one type, typed. */
  eventsOf<T extends EngineEvent["type"]>(type: T): Array<Extract<EngineEvent, { type: T }>>;
  /** The codes of the warnings emitted so far. */
  warningCodes(): string[];
  /** Removes the cache folder. Call it in `afterEach`/`afterAll`. */
  cleanup(): Promise<void>;
}

/** An engine with `plugins` over a fresh temporary cache. Other engine options pass through. */
export async function createTestEngine(plugins: EnginePlugin[], options: Omit<EngineOptions, "plugins" | "cacheDir"> = {}): Promise<TestEngine> {
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), "envforge-test-"));
  const engine = createEngine({ ...options, plugins, cacheDir });
  const events: EngineEvent[] = [];
  engine.hooks.event.tap("envforge:testing", (event) => {
    events.push(event);
  });
  return {
    engine,
    cacheDir,
    events,
    eventsOf: <T extends EngineEvent["type"]>(type: T) => events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type),
    warningCodes: () => events.flatMap((e) => (e.type === "warning" ? [e.code] : [])),
    cleanup: () => rm(cacheDir, { recursive: true, force: true }),
  };
}
