import { bundledPlugins, CLI_PIPELINE_ID } from "@envforge/cli";
import { createEngine, type Engine, type EngineOptions, type ParsedSpec } from "@envforge/core/plugin-kit";

/** An engine as the `envforge` command builds it: every bundled plugin, the given cache, the CLI's pipeline id. */
export function benchEngine(cacheDir: string, options: Omit<EngineOptions, "plugins" | "cacheDir"> = {}): Engine {
  return createEngine({ pipelineId: CLI_PIPELINE_ID, ...options, plugins: bundledPlugins(), cacheDir });
}

/** Loads and parses generated definitions once, so hash benchmarks start from a parsed spec. */
export async function parseAll(engine: Engine, specs: readonly Record<string, unknown>[], dir: string): Promise<ParsedSpec[]> {
  const out: ParsedSpec[] = [];
  for (const object of specs) out.push(await engine.parse(await engine.load({ object, dir })));
  return out;
}
