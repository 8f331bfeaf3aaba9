import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine, EnvforgeError, STRICT_POLICY, type EngineEvent, type EnginePlugin, type Hash } from "@envforge/core/plugin-kit";
import { podmanPlugin } from "./plugin.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "envforge-podman-unit-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const HASH = `efh1:${"0123456789abcdef".repeat(4)}` as Hash;
const spec = { object: { name: "p", docker: { baseImage: "python:3.11-slim", steps: ["RUN true"], buildArgs: { A: "1" } } } };
let n = 0;
const engineWith = (plugins: EnginePlugin[]) => {
  const engine = createEngine({ plugins, cacheDir: path.join(tmp, `cache-${++n}`) });
  const events: EngineEvent[] = [];
  engine.hooks.event.tap("test", (e) => events.push(e));
  return { engine, events };
};

describe("podman plugin", () => {
  it("taps podman's storage at the daemon stage unless turned off; sectionOnly adds no builder", () => {
    const on = engineWith([podmanPlugin()]).engine;
    expect(on.hooks.lookup.taps.find((t) => t.name === "podman:podman-storage")?.stage).toBe(15);
    const off = engineWith([podmanPlugin({ storageCache: false })]).engine;
    expect(off.hooks.lookup.taps.map((t) => t.name)).not.toContain("podman:podman-storage");
    const section = engineWith([podmanPlugin({ sectionOnly: true })]).engine;
    expect(section.hooks.build.get("podman")?.isUsed() ?? false).toBe(false);
  });

  it("conflicting connection options fail when the plugin is applied", () => {
    expect(() => engineWith([podmanPlugin({ url: "unix:///x.sock", root: "/r" })])).toThrow(/remote podman/);
  });

  it("a podman that cannot answer is a miss with one warning, never an error; other targets are not asked", async () => {
    const { engine, events } = engineWith([podmanPlugin({ podmanPath: path.join(tmp, "no-podman") })]);
    expect(await engine.lookup(HASH, "podman")).toBeUndefined();
    expect(await engine.lookup(HASH, "podman")).toBeUndefined();
    expect(await engine.lookup(HASH, "docker")).toBeUndefined();
    const warnings = events.filter((e) => e.type === "warning");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: "W_PODMAN_UNREACHABLE" });
  });

  it("building without podman is E_TOOL_NOT_FOUND and leaves no cache entry", async () => {
    const { engine } = engineWith([podmanPlugin({ podmanPath: path.join(tmp, "no-podman"), storageCache: false })]);
    await expect(engine.build(spec, { target: "podman" })).rejects.toMatchObject({ code: "E_TOOL_NOT_FOUND" });
    const { hash } = await engine.hash(spec);
    expect((await engine.cache.local.get({ hash, target: "podman" })).entry).toBeUndefined();
    const cacheRoot = path.join(tmp, `cache-${n}`);
    const entries = existsSync(cacheRoot) ? readdirSync(cacheRoot, { recursive: true }).map(String) : [];
    expect(entries.filter((e) => e.endsWith("entry.json"))).toEqual([]);
  });

  it("the host policy holds for podman too: steps, a registry not listed and a denied build argument are E_POLICY before any build", async () => {
    const engine = createEngine({ plugins: [podmanPlugin()], cacheDir: path.join(tmp, `cache-${++n}`), policy: STRICT_POLICY });
    const refused = async (docker: Record<string, unknown>) => {
      const error = await engine.build({ object: { docker } }, { target: "podman" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EnvforgeError);
      return error as EnvforgeError;
    };
    expect(await refused(spec.object.docker)).toMatchObject({ code: "E_POLICY", field: "docker.steps" });
    expect(await refused({ baseImage: "python:3.11-slim" })).toMatchObject({ code: "E_POLICY", field: "docker.baseImage" });
    const open = createEngine({ plugins: [podmanPlugin()], cacheDir: path.join(tmp, `cache-${++n}`), policy: { ...STRICT_POLICY, baseImageRegistries: ["docker.io"] } });
    await expect(open.hash({ object: { docker: { baseImage: "python:3.11-slim" } } })).resolves.toBeDefined();
    await expect(open.hash({ object: { docker: { baseImage: "python:3.11-slim", buildArgs: { LD_PRELOAD: "/x.so" } } } })).rejects.toMatchObject({ code: "E_POLICY" });
  });
});
