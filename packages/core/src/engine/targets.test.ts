import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createEngine, type EngineEvent, type EnginePlugin } from "../plugin-kit.js";
import { quickHit } from "../quick/quick-hit.js";

/** Two sections ("pip", "extra") and two targets: "both" carries both, "pipOnly" only pip and may leave "extra" out. */
function plugin(declare: boolean): EnginePlugin {
  return {
    name: "t",
    apply(engine) {
      engine.hooks.schema.tap("t", (s) => {
        s.field({ path: "python.pip", section: "pip", schema: z.array(z.string()), description: "packages" });
        s.field({ path: "extra.items", section: "extra", schema: z.array(z.string()), description: "extra" });
      });
      for (const section of ["pip", "extra"]) {
        engine.hooks.parseSection.for(section).tap("t", (fields) => Object.values(fields)[0]);
        engine.hooks.canonicalizeSection.for(section).tap("t", (v) => [...(v as string[])].sort());
      }
      for (const target of ["both", "pipOnly"]) {
        engine.hooks.build.for(target).tap("t", (ctx) => ({ artifact: { kind: target, details: { leftOut: [...ctx.leftOut] } } }));
      }
      if (!declare) return;
      engine.targets.declare({ name: "both", carries: ["pip", "extra"] });
      engine.targets.declare({ name: "pipOnly", carries: ["pip"], pythonOnlyLeavesOut: ["extra"] });
    },
  };
}

const tmp = () => mkdtemp(path.join(os.tmpdir(), "ef-targets-"));
const source = { object: { python: { pip: ["a"] }, extra: { items: ["b"] } } };

describe("targets that fit the definition", () => {
  it("a declared target that would leave a section out is refused before lookup; pythonOnly leaves out what it declares", async () => {
    const engine = createEngine({ plugins: [plugin(true)], cacheDir: await tmp() });
    const events: EngineEvent[] = [];
    engine.hooks.event.tap("t", (e) => events.push(e));
    await expect(engine.build(source, { target: "pipOnly" })).rejects.toMatchObject({ code: "E_TARGET_MISMATCH", details: { dropped: ["extra"] }, field: "extra.items" });
    expect(events.filter((e) => e.type === "stage.start" && e.stage === "lookup")).toEqual([]);
    const partial = await engine.build(source, { target: "pipOnly", pythonOnly: true });
    expect(partial.entry.artifact.details).toEqual({ leftOut: ["extra"] });
    expect(events.some((e) => e.type === "warning" && e.code === "W_PYTHON_ONLY")).toBe(true);
    expect((await engine.build(source, { target: "both" })).entry.artifact.details).toEqual({ leftOut: [] });
    await expect(engine.build(source, { target: "both", pythonOnly: true })).rejects.toMatchObject({ code: "E_INVALID_VALUE", field: "pythonOnly" });
    await expect(engine.build(source, { target: "other" })).rejects.toMatchObject({ code: "E_NO_BUILDER", hint: "known targets: both, pipOnly" });
  });

  it("a host's target without a declaration is not checked", async () => {
    const engine = createEngine({ plugins: [plugin(false)], cacheDir: await tmp() });
    expect((await engine.build(source, { target: "pipOnly" })).cached).toBe(false);
  });

  it("the quick path never answers a target that would leave a section out, even from an entry built before", async () => {
    const cacheDir = await tmp();
    const file = path.join(cacheDir, "env.yaml");
    await writeFile(file, "python:\n  pip: [a]\nextra:\n  items: [b]\n");
    const engine = createEngine({ plugins: [plugin(true)], cacheDir, pipelineId: "p" });
    await engine.build({ path: file }, { target: "pipOnly", pythonOnly: true });
    await engine.build({ path: file }, { target: "both" });
    expect(quickHit({ file, target: "both", pipelineId: "p", cacheDir })?.entry.target).toBe("both");
    expect(quickHit({ file, target: "pipOnly", pipelineId: "p", cacheDir })).toBeUndefined();
  });
});
