/**
 * A podman service as a build-all lane: `podman system service` on a unix socket over a private
 * storage stands for a remote podman machine; `engine.buildAll` with that lane (builder option
 * `podman.url`, what `build-all --target podman --hosts unix://…` passes) builds there, and the
 * images land in that service's storage.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine } from "@envforge/core/plugin-kit";
import { podmanPlugin } from "@envforge/plugin-podman";
import { makeTinyRootfs } from "../support/base-image.js";
import { expectExit, runCliProcess } from "../support/cli-process.js";
import { createPodmanStorage, podmanUnavailable, type PodmanStorage } from "../support/podman.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { report } from "../reliability/support.js";

const reason = await podmanUnavailable();
if (reason && inCI) throw new Error(`CI must run the podman lane test: ${reason}`);
warnSkip("the podman build-all lane test", reason);

const BASE = "docker.io/library/envforge-test-tiny:podman-lane";

describe.skipIf(reason !== undefined)(titleWithReason("build-all on a podman service lane", reason), () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "envforge-podman-lane-"));
  let storage: PodmanStorage;
  let service: { url: string; stop(): Promise<void> };

  beforeAll(async () => {
    const rootfs = await makeTinyRootfs(dir);
    storage = await createPodmanStorage({ base: { name: BASE, rootfs } });
    service = await storage.serve();
  }, 180_000);

  afterAll(async () => {
    await service?.stop().catch(() => undefined);
    await storage?.remove().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  const envFile = (name: string, step: string) => {
    const d = path.join(dir, name);
    mkdirSync(d, { recursive: true });
    const file = path.join(d, "env.yaml");
    writeFileSync(file, [`name: lane-${name}`, "docker:", `  baseImage: ${BASE}`, "  steps:", `    - ${JSON.stringify(step)}`, ""].join("\n"));
    return file;
  };

  it("builds each distinct hash once on the podman service, and the images are in its storage", { timeout: 300_000 }, async () => {
    // No local storage lookups: this "machine" builds only remotely (and the host's storage stays untouched).
    const engine = createEngine({ cacheDir: path.join(dir, "cache"), plugins: [podmanPlugin({ storageCache: false })] });
    const a = envFile("a", "RUN echo a > /lane");
    const b = envFile("b", "RUN echo b > /lane");
    const lane = { name: service.url, builderOptions: { podman: { url: service.url } } };
    const out = await engine.buildAll([{ source: a }, { source: b }, { source: a }], { target: "podman", lanes: [lane], concurrency: 2 });

    // Totals count items (the duplicate shares its build); the lane counts the builds it ran.
    expect(out.totals).toEqual({ items: 3, distinct: 2, built: 3, hit: 0, failed: 0 });
    expect(out.lanes).toMatchObject([{ name: service.url, built: 2, failed: 0 }]);
    expect(out.items.map((i) => i.status)).toEqual(["built", "built", "built"]);
    expect(out.items[0]!.result?.entry.artifact.reference).toBe(out.items[2]!.result?.entry.artifact.reference);
    for (const item of out.items.slice(0, 2)) {
      expect(item.lane).toBe(service.url);
      expect(item.result?.entry.artifact.details).toMatchObject({ engine: `podman at ${service.url}` });
      // The image is in the service's own storage (read directly, not through the service).
      const listed = await storage.podman(["images", "--quiet", "--filter", `label=dev.envforge.hash=${item.hash}`]);
      expect(listed.stdout.trim(), item.ref).not.toBe("");
    }
    expect(await storage.inImage(out.items[1]!.result!.entry.artifact.reference!, ["cat", "/lane"])).toBe("b");
    report("farm podman lane", { items: out.totals.items, built: out.totals.built, wallMs: Math.round(out.wallMs), busyMs: Math.round(out.lanes[0]!.busyMs) });
  });

  it("the CLI: build-all --target podman --hosts unix://… builds on that service", { timeout: 300_000 }, async () => {
    const c = envFile("c", "RUN echo c > /lane");
    // The CLI's podman plugin also looks in the local storage: point that at a private one, not the host's.
    const conf = path.join(dir, "storage.conf");
    writeFileSync(conf, `[storage]\ndriver = "vfs"\ngraphroot = "${path.join(dir, "local-root")}"\nrunroot = "${path.join(dir, "local-run")}"\n`);
    const args = ["build-all", c, "-t", "podman", "--hosts", service.url, "--cache-dir", path.join(dir, "cli-cache"), "--json", "--progress", "plain"];
    const run = await runCliProcess(args, { CONTAINERS_STORAGE_CONF: conf }, 240_000);
    expectExit(run, 0);
    const out = JSON.parse(run.stdout) as { totals: { built: number }; lanes: Array<{ name: string; built: number }>; items: Array<{ hash: string; lane: string }> };
    expect(out.totals.built).toBe(1);
    expect(out.lanes).toMatchObject([{ name: service.url, built: 1 }]);
    expect(out.items[0]!.lane).toBe(service.url);
    const listed = await storage.podman(["images", "--quiet", "--filter", `label=dev.envforge.hash=${out.items[0]!.hash}`]);
    expect(listed.stdout.trim()).not.toBe("");
  });
});
