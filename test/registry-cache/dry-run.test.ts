import { createHash } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MEDIA_OCI_MANIFEST } from "@envforge/plugin-registry-cache";
import { runCli } from "../cli/support.js";
import { tempDir } from "../support/engine.js";
import { registryUnavailable, startRegistry, type TestRegistry } from "../support/registry.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";

/**
 * `build --dry-run` against a registry cache: a tag for the hash is a hit from the `registry`
 * store, reported without pulling the image (a read-only engine only asks) and without writing
 * the local cache. The image is a bare manifest pushed here over HTTP: no container engine needed.
 */

const reason = await registryUnavailable();
warnSkip("dry run against a registry cache", reason);
const REPOSITORY = "envforge/cache";

let registry: TestRegistry | undefined;
afterAll(async () => registry?.stop());

/** Uploads a blob (monolithic upload) and returns its digest. */
async function pushBlob(host: string, bytes: Buffer): Promise<string> {
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  const start = await fetch(`http://${host}/v2/${REPOSITORY}/blobs/uploads/`, { method: "POST" });
  expect(start.status).toBe(202);
  const location = new URL(start.headers.get("location")!, `http://${host}`);
  location.searchParams.set("digest", digest);
  const put = await fetch(location, { method: "PUT", body: bytes, headers: { "content-type": "application/octet-stream" } });
  expect(put.status).toBe(201);
  return digest;
}

describe.runIf(inCI && reason !== undefined)("docker-registry in CI", () => {
  it("docker-registry must be installed when CI=true", () => {
    throw new Error(`cannot run: ${reason}`);
  });
});

describe.skipIf(reason !== undefined)(titleWithReason("build --dry-run with a registry cache", reason), () => {
  let dir: string;
  beforeAll(async () => {
    registry = await startRegistry();
    dir = await tempDir("envforge-dry-registry-");
    writeFileSync(path.join(dir, "env.yaml"), "docker:\n  baseImage: python:3.11-slim\npython:\n  pip: [rich==13.7.1]\n");
  });

  it("a tag for the hash: would hit from the registry store, nothing pulled, nothing written", async () => {
    const cacheDir = path.join(dir, "cache");
    const remote = ["--registry-cache", `${registry!.host}/${REPOSITORY}`, "--registry-insecure", "--cache-dir", cacheDir];
    const dry = (...more: string[]) => runCli(["build", "--dry-run", "--json", "-t", "docker", "env.yaml", ...remote, ...more], { cwd: dir });

    const miss = await dry();
    expect(miss.code, miss.stderr).toBe(0);
    const before = JSON.parse(miss.stdout) as { hash: string; hit: boolean; storesAsked: string[]; build: { dockerfile: string } };
    expect(before.hit).toBe(false);
    expect(before.storesAsked).toContain("registry-cache");
    expect(before.build.dockerfile).toMatch(/^FROM /m);

    const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: { Labels: { "dev.envforge.hash": before.hash } }, rootfs: { type: "layers", diff_ids: [] } }));
    const configDigest = await pushBlob(registry!.host, config);
    const manifest = { schemaVersion: 2, mediaType: MEDIA_OCI_MANIFEST, config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length }, layers: [] };
    const tag = before.hash.slice("efh1:".length);
    const put = await fetch(`http://${registry!.host}/v2/${REPOSITORY}/manifests/${tag}`, { method: "PUT", body: JSON.stringify(manifest), headers: { "content-type": MEDIA_OCI_MANIFEST } });
    expect(put.status).toBe(201);

    const hit = await dry();
    expect(hit.code, hit.stderr).toBe(0);
    expect(JSON.parse(hit.stdout)).toMatchObject({ hit: true, store: "registry", artifact: `${registry!.host}/${REPOSITORY}:${tag}` });
    // A pull would go through a container engine (and fail here, or write to it): none was tried.
    expect(hit.stderr).not.toContain("W_REGISTRY_PULL_FAILED");
    expect(hit.stderr).not.toMatch(/pulled .* from the registry cache/);
    expect(existsSync(cacheDir), "the local cache folder is not even created").toBe(false);
  });
});
