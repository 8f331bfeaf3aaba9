/**
 * `cache gc --registry` / `cache rm --registry`: the registry cache taps core's `hooks.discard`
 * and deletes the tag `<hash hex>` of a removed entry — only while the manifest's annotations say
 * it is that very build (hash and build time), and only when the caller asked (`ctx.registry`).
 * A real registry (deletion enabled, test/support/registry.ts); the manifests are put over HTTP.
 */
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, hashHex, type CacheEntry, type EnginePlugin, type Hash } from "@envforge/core/plugin-kit";
import { LABEL_HASH } from "@envforge/image";
import { MemoryRegistry, Workspace } from "@envforge/workspace";
import { MEDIA_OCI_MANIFEST, RegistryClient, registryCachePlugin } from "@envforge/plugin-registry-cache";
import { runCli } from "../cli/support.js";
import { registryUnavailable, startRegistry, type TestRegistry } from "../support/registry.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";

const reason = await registryUnavailable();
if (reason && inCI) throw new Error(`CI must run the registry discard test: ${reason}`);
warnSkip("registry cache discard", reason);

const REPOSITORY = "envforge/cache";
const sha = (data: string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

async function putBlob(host: string, data: string): Promise<{ digest: string; size: number }> {
  const digest = sha(data);
  const start = await fetch(`http://${host}/v2/${REPOSITORY}/blobs/uploads/`, { method: "POST" });
  expect(start.status).toBe(202);
  const location = new URL(start.headers.get("location")!, `http://${host}`);
  location.searchParams.set("digest", digest);
  const put = await fetch(location, { method: "PUT", body: data, headers: { "content-type": "application/octet-stream" } });
  expect(put.status).toBe(201);
  return { digest, size: Buffer.byteLength(data) };
}

describe.skipIf(reason !== undefined)(titleWithReason("registry cache: removing an entry removes its registry tag", reason), () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "envforge-registry-discard-"));
  let registry: TestRegistry;
  let client: RegistryClient;

  beforeAll(async () => {
    registry = await startRegistry();
    client = new RegistryClient({ registry: registry.host, insecure: true });
  }, 60_000);

  afterAll(async () => {
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Pushes a manifest under the entry's tag, annotated as `annotations` say. */
  async function pushTag(hash: Hash, annotations: Record<string, string>): Promise<void> {
    const config = await putBlob(registry.host, JSON.stringify({ architecture: "amd64", os: "linux", hash }));
    const layer = await putBlob(registry.host, `layer of ${hash}`);
    await client.putManifest(
      REPOSITORY,
      hashHex(hash),
      {
        schemaVersion: 2,
        mediaType: MEDIA_OCI_MANIFEST,
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }],
        annotations,
      },
      MEDIA_OCI_MANIFEST,
    );
  }

  const entryOf = (hash: Hash, finishedAt: string) => ({ hash, target: "docker", timings: { finishedAt } }) as unknown as CacheEntry;
  const engine = () =>
    createEngine({ cacheDir: path.join(dir, "cache"), plugins: [registryCachePlugin({ registry: registry.host, insecure: true, repository: REPOSITORY, targets: ["docker"] })] });
  const tagged = async (hash: Hash) => (await client.headManifest(REPOSITORY, hashHex(hash))) !== undefined;

  it("deletes the tag of the removed build with --registry, and leaves it without", { timeout: 60_000 }, async () => {
    const hash = `efh1:${"1".repeat(64)}` as Hash;
    const finishedAt = "2026-01-02T03:04:05.000Z";
    await pushTag(hash, { [LABEL_HASH]: hash, "org.opencontainers.image.created": finishedAt });
    const e = engine();
    await e.hooks.discard.for("docker").promise(entryOf(hash, finishedAt), { registry: false });
    expect(await tagged(hash)).toBe(true);
    await e.hooks.discard.for("docker").promise(entryOf(hash, finishedAt), { registry: true });
    expect(await tagged(hash)).toBe(false);
    // Already gone: nothing to do, no failure.
    await e.hooks.discard.for("docker").promise(entryOf(hash, finishedAt), { registry: true });
  });

  it("leaves a tag that names another build of the hash (a newer generation) or another hash", { timeout: 60_000 }, async () => {
    const hash = `efh1:${"2".repeat(64)}` as Hash;
    await pushTag(hash, { [LABEL_HASH]: hash, "org.opencontainers.image.created": "2026-02-01T00:00:00.000Z" });
    const e = engine();
    await e.hooks.discard.for("docker").promise(entryOf(hash, "2026-01-01T00:00:00.000Z"), { registry: true });
    expect(await tagged(hash)).toBe(true);

    const other = `efh1:${"3".repeat(64)}` as Hash;
    await pushTag(other, { [LABEL_HASH]: `efh1:${"4".repeat(64)}`, "org.opencontainers.image.created": "2026-01-01T00:00:00.000Z" });
    await e.hooks.discard.for("docker").promise(entryOf(other, "2026-01-01T00:00:00.000Z"), { registry: true });
    expect(await tagged(other)).toBe(true);
  });

  it("workspace.removeEntry (cache rm) deletes the tag only with registryTags (--registry), never in a plan", { timeout: 60_000 }, async () => {
    // A stand-in image target named docker: the build records an image; the push is off (no engine here).
    const fakeDocker: EnginePlugin = {
      name: "fake-docker",
      apply(engine) {
        engine.hooks.build.for("docker").tap("fake-docker", () => ({ artifact: { kind: "fake-image", reference: "fake/cache:x" } }));
      },
    };
    const e = createEngine({
      cacheDir: path.join(dir, "ws-cache"),
      plugins: [fakeDocker, registryCachePlugin({ registry: registry.host, insecure: true, repository: REPOSITORY, targets: ["docker"], push: false })],
    });
    const ws = new Workspace({ engine: e, registry: new MemoryRegistry(), autoRegister: false });
    const spec = { object: { name: "discard-me" } };
    const key = async () => {
      const built = await e.build(spec, { target: "docker" });
      await pushTag(built.hash, { [LABEL_HASH]: built.hash, "org.opencontainers.image.created": built.entry.timings.finishedAt });
      return { hash: built.hash, target: "docker" };
    };
    const first = await key();
    await ws.removeEntry(first, { dryRun: true, registryTags: true });
    expect(await tagged(first.hash)).toBe(true); // a plan deletes nothing
    await ws.removeEntry(first, {});
    expect(await tagged(first.hash)).toBe(true); // without --registry the tag stays
    const again = await key();
    await ws.removeEntry(again, { registryTags: true });
    expect(await tagged(again.hash)).toBe(false);
  });

  it("does not touch the registry for a target it does not serve", { timeout: 60_000 }, async () => {
    const hash = `efh1:${"5".repeat(64)}` as Hash;
    const finishedAt = "2026-01-02T03:04:05.000Z";
    await pushTag(hash, { [LABEL_HASH]: hash, "org.opencontainers.image.created": finishedAt });
    const e = engine();
    expect(e.hooks.discard.get("podman")?.isUsed() ?? false).toBe(false);
    expect(await tagged(hash)).toBe(true);
  });

  it("cache gc and cache rm take --registry", { timeout: 60_000 }, async () => {
    const cache = path.join(dir, "cli-cache");
    const gc = await runCli(["cache", "gc", "--registry", "--dry-run", "--cache-dir", cache]);
    expect(gc.code, gc.stderr).toBe(0);
    const rm = await runCli(["cache", "rm", `efh1:${"6".repeat(64)}`, "-t", "docker", "--registry", "--cache-dir", cache]);
    expect(rm.stderr).not.toMatch(/unknown option/);
  });
});
