import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createEngine, z, type EnginePlugin, type EngineEvent, type EngineOptions } from "@envforge/core/plugin-kit";
import { condaPlugin, type CondaPluginOptions } from "../plugin.js";

/** The repository root and the shared test data beside it (read in place, never copied). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
export const realWorldDir = path.resolve(repoRoot, "../shared/real-world");

export function tempDir(prefix = "envforge-conda-"): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/**
 * A stand-in for the pip section so the conda section is tested on its own: it owns `python.pip`
 * and takes the items conda forwards, canonicalized as a plain sorted set of trimmed strings.
 */
export const stubPipPlugin: EnginePlugin = {
  name: "stub-pip",
  apply(engine) {
    engine.hooks.schema.tap("stub-pip", (s) =>
      s.field({ path: "python.pip", section: "pip", schema: z.array(z.string()), description: "pip requirements", installs: true }),
    );
    engine.hooks.parseSection.for("pip").tap("stub-pip", (fields, ctx) => [
      ...((fields["python.pip"] as string[] | undefined) ?? []),
      ...ctx.forwarded().map((item) => String(item.value)),
    ]);
    engine.hooks.canonicalizeSection.for("pip").tap("stub-pip", (parsed) => {
      const list = [...new Set((parsed as string[]).map((s) => s.trim()))].sort();
      return list.length === 0 ? undefined : list;
    });
  },
};

export async function condaEngine(options: { conda?: CondaPluginOptions; engine?: EngineOptions } = {}) {
  const engine = createEngine({
    cacheDir: await tempDir("envforge-conda-cache-"),
    ...options.engine,
    plugins: [condaPlugin(options.conda), stubPipPlugin, ...(options.engine?.plugins ?? [])],
  });
  const events: EngineEvent[] = [];
  engine.hooks.event.tap("test", (e) => events.push(e));
  return { engine, events };
}

/** The rejection of a promise (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

/** Declares the canonical `lock` section from a `testLock` field, so a test hands the builder a lock without a lock file. */
export const stubLockPlugin: EnginePlugin = {
  name: "stub-lock",
  apply(engine) {
    engine.hooks.schema.tap("stub-lock", (s) => s.field({ path: "testLock", section: "lock", schema: z.any(), description: "a lock, for tests" }));
    engine.hooks.parseSection.for("lock").tap("stub-lock", (fields) => fields.testLock as never);
    engine.hooks.canonicalizeSection.for("lock").tap("stub-lock", (parsed) => parsed as never);
  },
};
