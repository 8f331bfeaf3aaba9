/**
 * Layer reuse across podman machines: two storages (two machines), one registry. With the
 * registry cache, a podman build pushes every step's layer to `<repository>-layers` (buildah's
 * `--cache-to`), and a miss on the other storage reads them back (`--cache-from`): a definition
 * that differs only in its last step does not run the lower one again.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type EngineEvent } from "@envforge/core/plugin-kit";
import { podmanEngines, podmanPlugin } from "@envforge/plugin-podman";
import { registryCachePlugin } from "@envforge/plugin-registry-cache";
import { makeTinyRootfs } from "../support/base-image.js";
import { createPodmanStorage, podmanUnavailable, type PodmanStorage } from "../support/podman.js";
import { registryUnavailable, startRegistry, type TestRegistry } from "../support/registry.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";

const reason = (await podmanUnavailable()) ?? (await registryUnavailable());
if (reason && inCI) throw new Error(`CI must run the podman layer repository test: ${reason}`);
warnSkip("podman layer repository", reason);

const BASE = "docker.io/library/envforge-test-tiny:podman-layers";

describe.skipIf(reason !== undefined)(titleWithReason("podman layer reuse across storages through the registry's layer repository", reason), () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "envforge-podman-layers-"));
  let registry: TestRegistry;
  const storages: PodmanStorage[] = [];
  let n = 0;

  beforeAll(async () => {
    registry = await startRegistry();
    const rootfs = await makeTinyRootfs(dir);
    storages.push(await createPodmanStorage({ base: { name: BASE, rootfs } }), await createPodmanStorage({ base: { name: BASE, rootfs } }));
  }, 180_000);

  afterAll(async () => {
    for (const s of storages) await s.remove().catch(() => undefined);
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const machine = (storage: PodmanStorage, registryHost: string) => {
    const engine = createEngine({
      cacheDir: path.join(dir, `cache-${++n}`),
      plugins: [podmanPlugin(storage.connection), registryCachePlugin({ registry: registryHost, insecure: true, targets: ["podman"], engines: { podman: podmanEngines(storage.connection) } })],
    });
    const events: EngineEvent[] = [];
    engine.hooks.event.tap("test", (e) => void events.push(e));
    const lines = () => events.filter((e) => e.type === "log").map((e) => (e as { line: string }).line);
    return { engine, events, lines };
  };
  const envFile = (steps: string[]) => {
    const d = path.join(dir, `env-${++n}`);
    mkdirSync(d, { recursive: true });
    const file = path.join(d, "env.yaml");
    writeFileSync(file, [`name: layers-${n}`, "docker:", `  baseImage: ${BASE}`, "  steps:", ...steps.map((s) => `    - ${JSON.stringify(s)}`), ""].join("\n"));
    return file;
  };
  const builderOptions = {};

  it("a sibling differing only in its last step, built on the other storage, reuses the lower step's layer", { timeout: 300_000 }, async () => {
    const a = machine(storages[0]!, registry.host);
    const b = machine(storages[1]!, registry.host);
    const lower = `RUN echo lower-${Date.now()} > /lower`;
    const first = await a.engine.build(envFile([lower, "RUN echo one > /top"]), { target: "podman", builderOptions });
    expect(first.cached).toBe(false);
    const layers = `${registry.host}/envforge/cache-layers`;
    expect(first.entry.artifact.details).toMatchObject({ layerRepository: layers });
    expect(a.lines().some((l) => l.includes(`Pushing cache ${layers}:`))).toBe(true);
    expect(((await (await fetch(`http://${registry.host}/v2/envforge/cache-layers/tags/list`)).json()) as { tags: string[] }).tags.length).toBeGreaterThan(0);

    const second = await b.engine.build(envFile([lower, "RUN echo two > /top"]), { target: "podman", builderOptions });
    expect(second.cached).toBe(false);
    const details = second.entry.artifact.details as { cachedSteps: string[]; layers: string[] };
    expect(b.lines().some((l) => l.includes(`Cache pulled from remote ${layers}:`))).toBe(true);
    expect(details.cachedSteps).toContain(lower);
    expect(details.cachedSteps).not.toContain("RUN echo two > /top");
    // The same lower layer in both images: storage B did not run the step again.
    const firstLayers = (first.entry.artifact.details as { layers: string[] }).layers;
    expect(details.layers.slice(0, -1)).toEqual(firstLayers.slice(0, -1));
    expect(a.events.concat(b.events).filter((e) => e.type === "warning")).toEqual([]);
  });

  it("a layer repository that cannot be written does not fail the build: it runs again without it", { timeout: 300_000 }, async () => {
    // The registry answers the registry cache's ping, then goes away before buildah pushes a layer.
    const doomed = await startRegistry();
    const a = machine(storages[0]!, doomed.host);
    const file = envFile([`RUN echo alone-${Date.now()} > /alone`]);
    const engineLines = a.lines;
    a.engine.hooks.event.tap("stop-registry", (e) => {
      if (e.type === "log" && e.line.startsWith("layer cache repository ")) void doomed.stop();
    });
    const result = await a.engine.build(file, { target: "podman", builderOptions });
    expect(result.cached).toBe(false);
    expect(result.entry.artifact.details).toMatchObject({ layerRepositoryFailed: true });
    expect(engineLines().some((l) => l.includes("building again without it"))).toBe(true);
  });
});
