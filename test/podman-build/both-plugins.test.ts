import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine, type EngineEvent, type EnginePlugin } from "@envforge/core/plugin-kit";
import { DOCKER_SECTION_TAP } from "@envforge/image";
import { dockerPlugin } from "@envforge/plugin-docker";
import { podmanPlugin } from "@envforge/plugin-podman";

// Moved from plugins/podman/src/plugin.test.ts: the two image plugins together (no plugin imports the other).
const tmp = mkdtempSync(path.join(os.tmpdir(), "envforge-podman-unit-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const spec = { object: { name: "p", docker: { baseImage: "python:3.11-slim", steps: ["RUN true"], buildArgs: { A: "1" } } } };
let n = 0;
const engineWith = (plugins: EnginePlugin[]) => {
  const engine = createEngine({ plugins, cacheDir: path.join(tmp, `cache-${++n}`) });
  const events: EngineEvent[] = [];
  engine.hooks.event.tap("test", (e) => events.push(e));
  return { engine, events };
};

describe("podman plugin", () => {
  it("registers the docker section once when loaded with the docker plugin, in either order, and hashes alike", async () => {
    const alone = engineWith([podmanPlugin()]);
    const both = engineWith([dockerPlugin(), podmanPlugin()]);
    const reversed = engineWith([podmanPlugin(), dockerPlugin()]);
    const hashes = await Promise.all([alone, both, reversed].map(({ engine }) => engine.hash(spec)));
    expect(new Set(hashes.map((h) => h.hash)).size).toBe(1);
    for (const { engine } of [both, reversed]) {
      expect(engine.hooks.schema.taps.filter((t) => t.name === DOCKER_SECTION_TAP)).toHaveLength(1);
      expect(engine.fields().filter((f) => f.path === "docker.baseImage")).toHaveLength(1);
    }
    expect(both.engine.hooks.build.get("podman")?.isUsed()).toBe(true);
    expect(both.engine.hooks.build.get("docker")?.isUsed()).toBe(true);
  });

});
