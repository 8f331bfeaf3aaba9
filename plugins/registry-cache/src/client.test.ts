import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { MEDIA_DOCKER_MANIFEST, MEDIA_OCI_MANIFEST, parseChallenge, RegistryClient, RegistryError } from "./client.js";
import { annotateManifest } from "./annotations.js";

/** A stand-in registry: each test gives the handler; requests are recorded (method, url, authorization). */
interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}
let handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void = (_q, res) => res.end();
const seen: Seen[] = [];
const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (d: Buffer) => (body += d.toString()));
  req.on("end", () => {
    seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
    handler(req, res, body);
  });
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const registry = `127.0.0.1:${(server.address() as AddressInfo).port}`;
afterAll(() => new Promise<void>((r) => server.close(() => r())));
afterEach(() => void seen.splice(0));

const DIGEST = `sha256:${"a".repeat(64)}`;
const manifestOk = (res: http.ServerResponse, mediaType = MEDIA_OCI_MANIFEST, body = "") => {
  res.writeHead(200, { "docker-content-digest": DIGEST, "content-type": mediaType, "content-length": String(Buffer.byteLength(body) || 123) });
  res.end(body);
};
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;

describe("WWW-Authenticate challenges", () => {
  it("reads quoted parameters, commas inside quotes included", () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')).toEqual({
      scheme: "bearer",
      params: { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull,push" },
    });
    expect(parseChallenge('Basic realm="envforge \\"test\\""')).toEqual({ scheme: "basic", params: { realm: 'envforge "test"' } });
  });
});

describe("registry client", () => {
  it("HEAD of a tag: digest, media type and size; 404 is a miss, not an error", async () => {
    handler = (req, res) => (req.url!.endsWith("/hit") ? manifestOk(res) : (res.writeHead(404), res.end()));
    const client = new RegistryClient({ registry, insecure: true });
    expect(await client.headManifest("envforge/cache", "hit")).toEqual({ digest: DIGEST, mediaType: MEDIA_OCI_MANIFEST, size: 123 });
    expect(await client.headManifest("envforge/cache", "miss")).toBeUndefined();
    expect(seen[0]).toMatchObject({ method: "HEAD", url: "/v2/envforge/cache/manifests/hit", authorization: undefined });
  });

  it("Basic: answers the challenge, then sends credentials up front; a wrong password is an auth error without the password", async () => {
    handler = (req, res) => {
      if (req.headers.authorization !== basic("ci", "pa55word")) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="test"' });
        return res.end();
      }
      manifestOk(res);
    };
    const client = new RegistryClient({ registry, insecure: true, auth: { username: "ci", password: "pa55word" } });
    await client.headManifest("envforge/cache", "x");
    await client.headManifest("envforge/cache", "y");
    expect(seen.map((s) => s.authorization)).toEqual([undefined, basic("ci", "pa55word"), basic("ci", "pa55word")]);

    const wrong = new RegistryClient({ registry, insecure: true, auth: { username: "ci", password: "not-the-password" } });
    const error = await wrong.headManifest("envforge/cache", "x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ kind: "auth", status: 401 });
    expect((error as Error).message).toContain("credentials were refused");
    expect((error as Error).message).not.toContain("not-the-password");
  });

  it("Bearer: fetches a token from the realm for the service and scope (Basic to the realm), caches it per scope", async () => {
    let tokensIssued = 0;
    handler = (req, res) => {
      const url = new URL(req.url!, "http://x");
      if (url.pathname === "/token") {
        if (req.headers.authorization !== basic("robot", "t0ken-secret")) return (res.writeHead(401), res.end());
        tokensIssued++;
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify({ token: `tok-${url.searchParams.get("service")}-${url.searchParams.get("scope")}` }));
      }
      if (req.headers.authorization !== "Bearer tok-reg.test-repository:envforge/cache:pull") {
        res.writeHead(401, { "www-authenticate": `Bearer realm="http://${registry}/token",service="reg.test",scope="repository:envforge/cache:pull"` });
        return res.end();
      }
      manifestOk(res);
    };
    const client = new RegistryClient({ registry, insecure: true, auth: { username: "robot", password: "t0ken-secret" } });
    expect(await client.headManifest("envforge/cache", "a")).toMatchObject({ digest: DIGEST });
    expect(await client.headManifest("envforge/cache", "b")).toMatchObject({ digest: DIGEST });
    expect(tokensIssued).toBe(1);
    const token = seen.find((s) => s.url.startsWith("/token"))!;
    expect(token.url).toBe("/token?service=reg.test&scope=repository%3Aenvforge%2Fcache%3Apull");
    expect(seen.at(-1)!.authorization).toBe("Bearer tok-reg.test-repository:envforge/cache:pull");
  });

  it("Bearer without credentials asks the realm anonymously; a refused token is an auth error", async () => {
    handler = (req, res) => {
      if (req.url!.startsWith("/token")) return (res.writeHead(req.headers.authorization ? 500 : 403), res.end());
      res.writeHead(401, { "www-authenticate": `Bearer realm="http://${registry}/token",service="reg.test"` });
      res.end();
    };
    const error = await new RegistryClient({ registry, insecure: true }).headManifest("envforge/cache", "a").catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "auth", status: 403 });
    expect(seen.find((s) => s.url.startsWith("/token"))).toMatchObject({ authorization: undefined, url: "/token?service=reg.test&scope=repository%3Aenvforge%2Fcache%3Apull" });
  });

  it("a ready token is sent as the bearer token on the first request", async () => {
    handler = (req, res) => (req.headers.authorization === "Bearer ready-token-1" ? manifestOk(res) : (res.writeHead(401), res.end()));
    await new RegistryClient({ registry, insecure: true, auth: { token: "ready-token-1" } }).headManifest("envforge/cache", "a");
    expect(seen).toHaveLength(1);
  });

  it("down, slow and failing registries are `unreachable`", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const down = await new RegistryClient({ registry: `127.0.0.1:${port}`, insecure: true }).ping().catch((e: unknown) => e);
    expect(down).toMatchObject({ kind: "unreachable", message: expect.stringContaining("ECONNREFUSED") });

    handler = () => undefined; // never answers
    const started = Date.now();
    const slow = await new RegistryClient({ registry, insecure: true, timeoutMs: 300 }).ping().catch((e: unknown) => e);
    expect(slow).toMatchObject({ kind: "unreachable", message: expect.stringContaining("no answer within 300 ms") });
    expect(Date.now() - started).toBeLessThan(3000);

    handler = (_q, res) => (res.writeHead(503), res.end());
    expect(await new RegistryClient({ registry, insecure: true }).ping().catch((e: unknown) => e)).toMatchObject({ kind: "unreachable", status: 503 });
  });
});

describe("manifest annotations", () => {
  const docker = {
    schemaVersion: 2,
    mediaType: MEDIA_DOCKER_MANIFEST,
    config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 10, digest: `sha256:${"c".repeat(64)}` },
    layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 20, digest: `sha256:${"d".repeat(64)}` }],
  };

  it("a Docker v2 manifest becomes the same image as an OCI manifest with the annotations", async () => {
    handler = (req, res) => (req.method === "GET" ? manifestOk(res, MEDIA_DOCKER_MANIFEST, JSON.stringify(docker)) : (res.writeHead(201, { "docker-content-digest": `sha256:${"e".repeat(64)}` }), res.end()));
    const result = await annotateManifest(new RegistryClient({ registry, insecure: true }), "envforge/cache", "abc", { "dev.envforge.hash": "efh1:x" });
    expect(result).toEqual({ digest: `sha256:${"e".repeat(64)}` });
    const put = seen.find((s) => s.method === "PUT")!;
    expect(put.url).toBe("/v2/envforge/cache/manifests/abc");
    expect(JSON.parse(put.body)).toEqual({
      schemaVersion: 2,
      mediaType: MEDIA_OCI_MANIFEST,
      config: { ...docker.config, mediaType: "application/vnd.oci.image.config.v1+json" },
      layers: [{ ...docker.layers[0], mediaType: "application/vnd.oci.image.layer.v1.tar+gzip" }],
      annotations: { "dev.envforge.hash": "efh1:x" },
    });
  });

  it("an OCI manifest keeps its annotations and gains ours; already annotated is left alone", async () => {
    const oci = { ...docker, mediaType: MEDIA_OCI_MANIFEST, annotations: { "org.opencontainers.image.base.name": "x" } };
    handler = (req, res) => (req.method === "GET" ? manifestOk(res, MEDIA_OCI_MANIFEST, JSON.stringify(oci)) : (res.writeHead(201), res.end()));
    const client = new RegistryClient({ registry, insecure: true });
    await annotateManifest(client, "envforge/cache", "abc", { "dev.envforge.hash": "efh1:x" });
    expect(JSON.parse(seen.find((s) => s.method === "PUT")!.body).annotations).toEqual({ "org.opencontainers.image.base.name": "x", "dev.envforge.hash": "efh1:x" });
    seen.splice(0);
    expect(await annotateManifest(client, "envforge/cache", "abc", { "org.opencontainers.image.base.name": "x" })).toEqual({ digest: DIGEST });
    expect(seen.filter((s) => s.method === "PUT")).toHaveLength(0);
  });

  it("an index is left as pushed", async () => {
    handler = (_q, res) => manifestOk(res, "application/vnd.oci.image.index.v1+json", JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [] }));
    expect(await annotateManifest(new RegistryClient({ registry, insecure: true }), "envforge/cache", "abc", {})).toMatchObject({ skipped: expect.stringContaining("index") });
  });
});
