import { writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine } from "@envforge/core/plugin-kit";
import { dockerPlugin } from "@envforge/plugin-docker";
import { MemoryRegistry, Workspace } from "@envforge/workspace";
import { makeTinyRootfs } from "../support/base-image.js";
import { setUpDocker } from "../support/docker-harness.js";
import { tempDir } from "../support/engine.js";
import { run } from "../support/processes.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";

/** A shell-only base (a few MB): what is tested is which images gc removes, not what they hold. */
const BASE = "envforge-test-tiny:gc";

const tinyDir = await tempDir("envforge-gc-images-");
const tiny = await makeTinyRootfs(tinyDir, ["cat", "date"]).catch((cause: Error) => cause);
const setup =
  tiny instanceof Error
    ? ({ ok: false, reason: `cannot make a shell-only root filesystem: ${tiny.message}` } as const)
    : await setUpDocker({ base: { name: BASE, rootfs: tiny } });
const missing = setup.ok ? undefined : setup.reason;
warnSkip("cache gc and cache rm removing docker images", missing);

afterAll(async () => {
  if (setup.ok) {
    await setup.dockerd.stop();
    await rm(setup.dir, { recursive: true, force: true });
  }
  await rm(tinyDir, { recursive: true, force: true });
});

describe.runIf(inCI && missing !== undefined)("docker images removed by gc in CI", () => {
  it("dockerd must be available when CI=true", () => {
    throw new Error(`cannot run: ${missing}`);
  });
});

describe.skipIf(missing !== undefined)(titleWithReason("cache gc and cache rm remove the images of the entries they remove", missing), () => {
  const { dockerd, dir } = setup as Extract<typeof setup, { ok: true }>;
  const exists = async (image: string) => (await run("docker", ["--host", dockerd.host, "image", "inspect", image], { allowFailure: true })).code === 0;
  const definition = (name: string) => {
    const file = path.join(dir, `${name}.yaml`);
    // The time makes a step that runs again a new layer: a rebuild without the build cache is a new image.
    writeFileSync(file, `name: ${name}\ndocker:\n  baseImage: ${BASE}\n  steps:\n    - RUN date +%s%N > /${name}\n`);
    return file;
  };

  it("promote moves the tags back; gc removes an unreachable entry's image and a pruned generation's, keeps the current one's; cache rm removes it", { timeout: 600_000 }, async () => {
    const engine = createEngine({ plugins: [dockerPlugin({ host: dockerd.host, network: "none" })], cacheDir: path.join(dir, "cache") });
    const registry = new MemoryRegistry();
    const ws = new Workspace({ engine, registry, autoRegister: false });
    const kept = definition("kept");
    const dropped = definition("dropped");
    const request = { target: "docker" };
    const k1 = (await ws.build(kept, request)).result.entry;
    // The classic builder's layer cache finds a step's image among its parent's children: saved and
    // loaded again (same ID and tags, no parent), generation 1 is no cache for the rebuild.
    const tags = k1.artifact.details!.tags as string[];
    const saved = path.join(dir, "k1.tar");
    await run("docker", ["--host", dockerd.host, "image", "save", "-o", saved, ...tags]);
    await run("docker", ["--host", dockerd.host, "image", "rm", ...tags]);
    await run("docker", ["--host", dockerd.host, "image", "load", "-i", saved]);
    expect(await exists(k1.artifact.digest!)).toBe(true);
    const k2 = (await ws.build(kept, { ...request, rebuild: true })).result.entry;
    expect(k2.artifact.digest, "generation 2 is another image").not.toBe(k1.artifact.digest);
    const tagged = async (tag: string) => (await run("docker", ["--host", dockerd.host, "image", "inspect", "--format", "{{.Id}}", tag])).stdout.trim();
    expect(await tagged(k2.artifact.reference!)).toBe(k2.artifact.digest);
    // Promote moves the build's tags back to the promoted image; promoting 2 again moves them back.
    await engine.promote(k1.hash, "docker", 1);
    expect(await tagged(k1.artifact.reference!)).toBe(k1.artifact.digest);
    expect((await ws.build(kept, request)).result.entry.generation).toBe(1);
    await engine.promote(k1.hash, "docker", 2);
    expect(await tagged(k2.artifact.reference!)).toBe(k2.artifact.digest);
    const d1 = (await ws.build(dropped, request)).result.entry;
    await ws.register(kept);
    for (const e of [k1, k2, d1]) expect(e.artifact.digest).toMatch(/^sha256:/);
    expect(await exists(d1.artifact.digest!)).toBe(true);

    // Without deleting (the CLI without --yes): the plan names the image, the engine keeps it.
    const plan = await ws.gc({ dryRun: true });
    expect(plan.discarded).toEqual([d1.artifact.reference]);
    expect(await exists(d1.artifact.digest!)).toBe(true);

    const report = await ws.gc();
    expect(report.removed.map((r) => [r.hash, r.generation])).toEqual([[d1.hash, 1]]);
    expect(report.discarded).toEqual([d1.artifact.reference]);
    expect(report.discardFailed).toEqual([]);
    expect(await exists(d1.artifact.digest!), "the unreachable entry's image is gone from the engine").toBe(false);
    expect(report.keptGenerations.map((r) => r.generation)).toEqual([1]);
    expect(await exists(k1.artifact.digest!)).toBe(true);

    // Pruning the previous generation: its image (untagged since generation 2 took the tags) goes;
    // the current one's stays with its tags.
    const pruned = await ws.gc({ pruneGenerations: true });
    expect(pruned.removed.map((r) => [r.hash, r.generation])).toEqual([[k1.hash, 1]]);
    expect(pruned.discarded).toEqual([k1.artifact.reference]);
    expect(await exists(k1.artifact.digest!)).toBe(false);
    expect(await exists(k2.artifact.digest!), "the current generation's image stays").toBe(true);
    expect(await exists(k2.artifact.reference!)).toBe(true);
    expect((await ws.build(kept, request)).result.cached).toBe(true);

    const removed = await ws.removeEntry({ hash: k2.hash, target: "docker" });
    expect(removed.discarded).toEqual([k2.artifact.reference]);
    expect(await exists(k2.artifact.digest!)).toBe(false);
    expect(await exists(k2.artifact.reference!), "no tag of it is left either").toBe(false);
  });
});
