import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createEngine, type EnginePlugin } from "./index.js";

const listPlugin: EnginePlugin = {
  name: "list",
  apply(engine) {
    engine.hooks.schema.tap("list", (s) =>
      s.field({ path: "python.pip", section: "pip", schema: z.array(z.string()), description: "x", installs: true }),
    );
    engine.hooks.parseSection.for("pip").tap("list", (fields) => fields["python.pip"]);
    engine.hooks.canonicalizeSection.for("pip").tap("list", (v) => [...new Set(v as string[])].sort());
  },
};

describe("engine", () => {
  it("hashes, ignoring identity and set order", async () => {
    const engine = createEngine({ plugins: [listPlugin], cacheDir: await mkdtemp(path.join(os.tmpdir(), "ef-")) });
    const a = await engine.hash({ object: { name: "a", python: { pip: ["x", "y"] } } });
    const b = await engine.hash({ object: { name: "b", python: { pip: ["y", "x", "x"] } } });
    expect(a.hash).toBe(b.hash);
    expect(a.hash).toMatch(/^efh1:[0-9a-f]{64}$/);
  });
});
