import { describe, expect, it } from "vitest";
import { createEngine, type CanonicalSpec, type Hash } from "@envforge/core/plugin-kit";
import type { ImageEngine } from "./engine.js";
import { imageBaseOf, layerCachesFor, tapLayerCache, type LayerCacheRequest } from "./layer-cache.js";

const canonical = (docker: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) =>
  ({ contract: "efh1", sections: { ...(docker ? { docker } : {}), ...extra } }) as CanonicalSpec;
const BASE = "docker.io/library/python:3.11-slim";

describe("the base an image's layers are shared on", () => {
  it("same base and platform, whatever the steps or pip list: the same tag on every machine", () => {
    const a = imageBaseOf(canonical({ base: { image: BASE }, steps: ["RUN a"] }, { pip: ["x==1"] }));
    const b = imageBaseOf(canonical({ base: { image: BASE }, steps: ["RUN b"] }, { pip: ["y==2"] }));
    expect(a).toEqual(b);
    expect(a?.label).toBe(BASE);
    expect(a?.tag).toMatch(/^base-[0-9a-f]{16}$/);
  });

  it("another base, another platform or a base Dockerfile: another tag", () => {
    const tags = [
      imageBaseOf(canonical({ base: { image: BASE }, steps: [] })),
      imageBaseOf(canonical({ base: { image: "docker.io/library/python:3.12-slim" }, steps: [] })),
      imageBaseOf(canonical({ base: { image: BASE }, steps: [], platform: "linux/arm64" })),
      imageBaseOf(canonical({ base: { dockerfile: "FROM scratch\n" }, steps: [] })),
    ].map((b) => b?.tag);
    expect(new Set(tags).size).toBe(4);
    expect(imageBaseOf(canonical({ base: { dockerfile: "FROM scratch\n" }, steps: [] }))?.label).toMatch(/^dockerfile:sha256:[0-9a-f]{64}$/);
    expect(imageBaseOf(canonical(undefined, { pip: ["x==1"] }))).toBeUndefined();
  });
});

describe("layer cache sources", () => {
  const request = (warnings: string[]): LayerCacheRequest => ({
    target: "docker",
    hash: `efh1:${"a".repeat(64)}` as Hash,
    base: { label: BASE, tag: "base-0123456789abcdef" },
    images: {} as ImageEngine,
    builderOptions: {},
    signal: new AbortController().signal,
    log: () => undefined,
    warn: (code, message) => warnings.push(`${code}: ${message}`),
  });

  it("a source that fails is a warning and no layer cache, never a failed build; duplicates are given once", async () => {
    const engine = createEngine({ plugins: [] });
    tapLayerCache(engine, "one", () => Promise.resolve({ cacheFrom: ["r/a:base-1"] }));
    tapLayerCache(engine, "broken", () => Promise.reject(new Error("registry gone")));
    tapLayerCache(engine, "two", () => Promise.resolve({ cacheFrom: ["r/a:base-1", "r/b:base-1"], layerRepository: { reference: "r/a-layers", registry: "r" } }));
    tapLayerCache(engine, "three", () => Promise.resolve({ cacheFrom: [], layerRepository: { reference: "q/b-layers", registry: "q" } }));
    const warnings: string[] = [];
    expect(await layerCachesFor(engine, request(warnings))).toEqual({ cacheFrom: ["r/a:base-1", "r/b:base-1"], layerRepository: { reference: "r/a-layers", registry: "r" } });
    expect(warnings).toEqual([expect.stringMatching(/^W_REGISTRY_PULL_FAILED: layer cache source broken failed: registry gone/)]);
    // Sources belong to their engine.
    expect(await layerCachesFor(createEngine({ plugins: [] }), request([]))).toEqual({ cacheFrom: [] });
  });
});
