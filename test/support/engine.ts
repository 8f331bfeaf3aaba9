import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createEngine, type Engine, type EngineEvent, type EngineOptions } from "@envforge/core/plugin-kit";
import { bundledPlugins } from "@envforge/cli";

export async function tempDir(prefix = "envforge-test-"): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** An engine with every bundled plugin, a fresh cache, and the events it emitted. */
export async function testEngine(options: EngineOptions = {}): Promise<{ engine: Engine; events: EngineEvent[] }> {
  const engine = createEngine({ cacheDir: await tempDir("envforge-cache-"), ...options, plugins: [...bundledPlugins(), ...(options.plugins ?? [])] });
  const events: EngineEvent[] = [];
  engine.hooks.event.tap("test", (e) => events.push(e));
  return { engine, events };
}
