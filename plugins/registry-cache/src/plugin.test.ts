import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine, type EngineEvent, type Hash } from "@envforge/core/plugin-kit";
import { registryDetails } from "./details.js";
import { registryCachePlugin } from "./plugin.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "envforge-registry-plugin-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const HASH = `efh1:${"0123456789abcdef".repeat(4)}` as Hash;

async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let n = 0;
function engineWith(options: Parameters<typeof registryCachePlugin>[0]) {
  const engine = createEngine({ plugins: [registryCachePlugin(options)], cacheDir: path.join(tmp, `cache-${++n}`) });
  const events: EngineEvent[] = [];
  engine.hooks.event.tap("test", (e) => events.push(e));
  return { engine, events };
}

describe("registry cache plugin", () => {
  it("taps lookup at the network stage and store after the local store", () => {
    const { engine } = engineWith({ registry: "127.0.0.1:1" });
    expect(engine.hooks.lookup.taps.find((t) => t.name === "registry-cache")?.stage).toBe(20);
    const stored = engine.hooks.store.taps.map((t) => t.name);
    expect(stored.indexOf("registry-cache")).toBeGreaterThan(stored.indexOf("envforge:local"));
  });

  it("bad options fail when the plugin is made, not as a miss later", () => {
    expect(() => registryCachePlugin({ registry: "not a host" })).toThrow(/not a registry host/);
  });

  it("a registry that is down is a miss with a warning; it is not asked again at once; the password never shows", async () => {
    const port = await closedPort();
    const { engine, events } = engineWith({ registry: `127.0.0.1:${port}`, insecure: true, credentials: { username: "ci", password: "super-secret-pw" } });
    expect(await engine.lookup(HASH, "docker")).toBeUndefined();
    const started = Date.now();
    expect(await engine.lookup(HASH, "podman")).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(500);
    const warnings = events.filter((e) => e.type === "warning");
    expect(warnings.map((w) => w.code)).toEqual(["W_REGISTRY_UNAVAILABLE", "W_REGISTRY_UNAVAILABLE"]);
    expect(warnings[0]).toMatchObject({ message: expect.stringContaining("ECONNREFUSED") });
    expect(warnings[1]).toMatchObject({ message: expect.stringContaining("did not answer a moment ago") });
    expect(JSON.stringify(events)).not.toContain("super-secret-pw");
    expect(events.filter((e) => e.type === "cache.miss")).toHaveLength(2);
  });

  it("other targets are never looked up", async () => {
    const { engine, events } = engineWith({ registry: `127.0.0.1:${await closedPort()}`, insecure: true });
    expect(await engine.lookup(HASH, "venv")).toBeUndefined();
    expect(events.filter((e) => e.type === "warning")).toHaveLength(0);
  });

  it("an unreadable credentials file is a warning, and the lookup goes on anonymously", async () => {
    const seen: (string | undefined)[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const registry = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      const { engine, events } = engineWith({ registry, insecure: true, credentialsFile: path.join(tmp, "missing.json") });
      expect(await engine.lookup(HASH, "docker")).toBeUndefined();
      expect(events.filter((e) => e.type === "warning").map((w) => w.code)).toEqual(["W_REGISTRY_CREDENTIALS"]);
      expect(seen).toEqual([undefined]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe("registry details", () => {
  it("a registry that is down is `unreachable` with the reason, not an exception", async () => {
    const port = await closedPort();
    const details = await registryDetails(HASH, { registry: `127.0.0.1:${port}`, insecure: true });
    expect(details).toMatchObject({ status: "unreachable", reference: `127.0.0.1:${port}/envforge/cache:${HASH.slice(5)}`, reason: expect.stringContaining("ECONNREFUSED") });
  });
});
