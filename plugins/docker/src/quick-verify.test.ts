import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { dockerSocketOf, imagePresence } from "./quick-verify.js";

const noConfig = () => mkdtempSync(path.join(os.tmpdir(), "ef-dockercfg-"));

describe("quick-verify: the socket the docker CLI would ask, or none", () => {
  it("default socket, a unix:// DOCKER_HOST; nothing for tcp, ssh, TLS or a chosen context", () => {
    const cfg = noConfig();
    expect(dockerSocketOf({ DOCKER_CONFIG: cfg })).toBe("/var/run/docker.sock");
    expect(dockerSocketOf({ DOCKER_CONFIG: cfg, DOCKER_HOST: "unix:///tmp/d.sock" })).toBe("/tmp/d.sock");
    expect(dockerSocketOf({ DOCKER_CONFIG: cfg, DOCKER_HOST: "tcp://10.0.0.1:2375" })).toBeUndefined();
    expect(dockerSocketOf({ DOCKER_CONFIG: cfg, DOCKER_HOST: "ssh://me@host" })).toBeUndefined();
    expect(dockerSocketOf({ DOCKER_CONFIG: cfg, DOCKER_TLS_VERIFY: "1" })).toBeUndefined();
    expect(dockerSocketOf({ DOCKER_CONFIG: cfg, DOCKER_CONTEXT: "remote" })).toBeUndefined();
    writeFileSync(path.join(cfg, "config.json"), JSON.stringify({ currentContext: "remote" }));
    expect(dockerSocketOf({ DOCKER_CONFIG: cfg })).toBeUndefined();
    writeFileSync(path.join(cfg, "config.json"), JSON.stringify({ currentContext: "default", auths: {} }));
    expect(dockerSocketOf({ DOCKER_CONFIG: cfg })).toBe("/var/run/docker.sock");
    writeFileSync(path.join(cfg, "config.json"), "{not json");
    expect(dockerSocketOf({ DOCKER_CONFIG: cfg })).toBeUndefined();
  });

  it("asks GET /images/<ref>/json on the socket: 200 present, 404 gone, anything else or no answer unknown", async () => {
    const dir = noConfig();
    const socket = path.join(dir, "engine.sock");
    const asked: string[] = [];
    const server = createServer((req, res) => {
      asked.push(req.url ?? "");
      res.statusCode = req.url?.includes("present") ? 200 : req.url?.includes("gone") ? 404 : 500;
      res.end("{}");
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      const env = { DOCKER_CONFIG: dir, DOCKER_HOST: `unix://${socket}` };
      expect(await imagePresence("repo/present:tag", env)).toBe("present");
      expect(await imagePresence("sha256:gone", env)).toBe("gone");
      expect(await imagePresence("broken", env)).toBe("unknown");
      expect(asked[0]).toBe(`/images/${encodeURIComponent("repo/present:tag")}/json`);
      expect(await imagePresence("x", { DOCKER_CONFIG: dir, DOCKER_HOST: `unix://${path.join(dir, "missing.sock")}` })).toBe("unknown");
      expect(await imagePresence("x", { DOCKER_CONFIG: dir, DOCKER_HOST: "tcp://127.0.0.1:1" })).toBe("unknown");
    } finally {
      server.close();
    }
  });
});
