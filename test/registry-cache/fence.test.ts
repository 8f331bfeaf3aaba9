/**
 * The later lease wins in the registry: the registry cache annotates a pushed manifest with the
 * coordinator's fencing token of the build (`entry.coordination.fence`) and does not push an entry
 * of a lower fence over it (a holder that lost its lease, finishing late). A real registry and a
 * real podman storage; the coordinator is a tap that hands out the fence the test chooses. A late
 * holder's entry is the first build's entry under another fence, stored through the cache itself
 * (core takes no lease for a forced rebuild, and a second machine would hit the pushed tag).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, hashHex, type BuildContext, type CacheEntry, type EngineEvent, type Hash } from "@envforge/core/plugin-kit";
import { podmanEngines, podmanPlugin } from "@envforge/plugin-podman";
import { ANNOTATION_FENCE, MEDIA_OCI_MANIFEST, RegistryCache, registryCachePlugin, resolveRegistryOptions, type RegistryCacheOptions } from "@envforge/plugin-registry-cache";
import { makeTinyRootfs } from "../support/base-image.js";
import { createPodmanStorage, podmanUnavailable, type PodmanStorage } from "../support/podman.js";
import { registryUnavailable, startRegistry, type TestRegistry } from "../support/registry.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";

const reason = (await podmanUnavailable()) ?? (await registryUnavailable());
if (reason && inCI) throw new Error(`CI must run the registry fence test: ${reason}`);
warnSkip("registry cache fence", reason);

const BASE = "docker.io/library/envforge-test-tiny:fence";

describe.skipIf(reason !== undefined)(titleWithReason("registry cache: an entry of a lower lease fence does not overwrite the tag", reason), () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "envforge-fence-"));
  let registry: TestRegistry;
  let storage: PodmanStorage;

  beforeAll(async () => {
    registry = await startRegistry();
    storage = await createPodmanStorage({ base: { name: BASE, rootfs: await makeTinyRootfs(dir) } });
  }, 180_000);

  afterAll(async () => {
    await storage?.remove().catch(() => undefined);
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("fence 5 is pushed; then fence 3 for the same key is not (a log line), fence 7 is", { timeout: 300_000 }, async () => {
    const options: RegistryCacheOptions = { registry: registry.host, insecure: true, targets: ["podman"], engines: { podman: podmanEngines(storage.connection) } };
    const engine = createEngine({ cacheDir: path.join(dir, "cache"), plugins: [podmanPlugin(storage.connection), registryCachePlugin(options)] });
    engine.hooks.coordinate.tapPromise("test-fence", () => Promise.resolve({ kind: "build" as const, fence: 5, holder: "holder-5", release: () => Promise.resolve() }));
    const events: EngineEvent[] = [];
    engine.hooks.event.tap("test", (e) => void events.push(e));
    mkdirSync(path.join(dir, "env"), { recursive: true });
    const file = path.join(dir, "env", "env.yaml");
    writeFileSync(file, ["name: fence", "docker:", `  baseImage: ${BASE}`, "  steps:", "    - RUN echo fenced > /fenced", ""].join("\n"));
    const annotated = async (hash: Hash) => {
      const response = await fetch(`http://${registry.host}/v2/envforge/cache/manifests/${hashHex(hash)}`, { headers: { accept: MEDIA_OCI_MANIFEST } });
      expect(response.status).toBe(200);
      return ((await response.json()) as { annotations?: Record<string, string> }).annotations?.[ANNOTATION_FENCE];
    };

    const first = await engine.build(file, { target: "podman" });
    expect(first.entry.coordination).toEqual({ fence: 5, holder: "holder-5" });
    expect(await annotated(first.hash)).toBe("5");

    const cache = new RegistryCache(engine, resolveRegistryOptions(options));
    const canonical = (await engine.hash(file)).canonical;
    const store = async (fence: number) => {
      const lines: string[] = [];
      const warnings: string[] = [];
      const ctx = { log: (line: string) => void lines.push(line), warn: (code: string, message: string) => void warnings.push(`${code}: ${message}`), options: {}, signal: new AbortController().signal, canonical };
      const entry: CacheEntry = { ...first.entry, coordination: { fence, holder: `holder-${fence}` } };
      await cache.store(entry, ctx as unknown as BuildContext);
      expect(warnings).toEqual([]);
      return lines;
    };

    const late = await store(3);
    expect(late).toEqual([expect.stringContaining("was pushed under lease fence 5; this build held fence 3 (a lease since lost or the same one): not pushing over it")]);
    expect(await annotated(first.hash)).toBe("5");

    const later = await store(7);
    expect(later.some((l) => l.startsWith(`pushed ${registry.host}/envforge/cache:${hashHex(first.hash)}`))).toBe(true);
    expect(await annotated(first.hash)).toBe("7");
    expect(events.filter((e) => e.type === "warning")).toEqual([]);
  });
});
