import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine, EnvforgeError, type EngineEvent, type Hash } from "@envforge/core/plugin-kit";
import { imageTags } from "@envforge/image";
import { resolveBuildOptions } from "./options.js";
import { dockerPlugin } from "./plugin.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "envforge-docker-store-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const HASH = `efh1:${"0123456789abcdef".repeat(4)}` as Hash;

describe("daemon cache store", () => {
  it("an unreachable engine is a miss with one warning, never an error", async () => {
    const engine = createEngine({
      plugins: [dockerPlugin({ host: `unix://${path.join(tmp, "no-such.sock")}` })],
      cacheDir: path.join(tmp, "cache"),
    });
    const events: EngineEvent[] = [];
    engine.hooks.event.tap("test", (e) => events.push(e));
    expect(await engine.lookup(HASH, "docker")).toBeUndefined();
    expect(await engine.lookup(HASH, "docker")).toBeUndefined();
    const warnings = events.filter((e) => e.type === "warning");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: "W_DAEMON_UNREACHABLE" });
    expect(events.filter((e) => e.type === "cache.miss")).toHaveLength(2);
  });

  it("answers only for its own target", async () => {
    const engine = createEngine({ plugins: [dockerPlugin({ host: `unix://${path.join(tmp, "no-such.sock")}` })], cacheDir: path.join(tmp, "cache") });
    const events: EngineEvent[] = [];
    engine.hooks.event.tap("test", (e) => events.push(e));
    expect(await engine.lookup(HASH, "venv")).toBeUndefined();
    expect(events.filter((e) => e.type === "warning")).toHaveLength(0);
  });

  it("can be turned off", () => {
    const engine = createEngine({ plugins: [dockerPlugin({ daemonCache: false })], cacheDir: path.join(tmp, "cache") });
    expect(engine.hooks.lookup.taps.map((t) => t.name)).not.toContain("docker:docker-daemon");
    const on = createEngine({ plugins: [dockerPlugin()], cacheDir: path.join(tmp, "cache") });
    expect(on.hooks.lookup.taps.find((t) => t.name === "docker:docker-daemon")?.stage).toBe(15);
  });
});

describe("image tags", () => {
  it("tags by name and short hash, and by full hash", () => {
    expect(imageTags(HASH, "sklearn-train")).toEqual({
      named: "envforge/sklearn-train:0123456789ab",
      cache: `envforge/cache:${"0123456789abcdef".repeat(4)}`,
    });
  });

  it.each([
    [undefined, "env"],
    ["My Env!", "my-env"],
    ["--", "env"],
    ["a/../b", "a-b"],
    ["team.model_v2", "team.model_v2"],
    ["ümlaut", "mlaut"],
  ])("name %j becomes the repository %j", (name, repo) => {
    expect(imageTags(HASH, name).named.split(":")[0]).toBe(`envforge/${repo}`);
  });
});

describe("builder options", () => {
  it("per-build options win over the plugin's, flat credentials become one entry", () => {
    const o = resolveBuildOptions({ network: "host", host: "unix:///a.sock" }, { docker: { network: "none", registry: "r.example", username: "u", password: "p4ss" } });
    expect(o).toMatchObject({ network: "none", host: "unix:///a.sock", buildkit: "auto", daemonCache: true, credentials: [{ registry: "r.example", username: "u", password: "p4ss" }] });
  });

  it.each([
    [{ network: "none; rm -rf /" }, "not a network name"],
    [{ registry: "r.example", username: "u" }, "registry, username and password together"],
    [{ host: "" }, "non-empty string"],
  ])("refuses %j", (docker, why) => {
    expect(() => resolveBuildOptions({}, { docker })).toThrow(EnvforgeError);
    expect(() => resolveBuildOptions({}, { docker })).toThrow(why);
  });

  it("reads CLI-style strings for booleans", () => {
    expect(resolveBuildOptions({}, { docker: { buildkit: "false", pull: "true" } })).toMatchObject({ buildkit: false, pull: true });
  });
});
