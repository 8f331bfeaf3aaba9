/**
 * An image built on another docker host (a `build-all` lane, `-o docker.host=…`) is found there
 * again: its entry records the build's connection, and `verify` asks that host, not the plugin's
 * own, so a plain lookup later is a hit instead of a rebuild. Two dockerd: the plugin's default
 * host, and the lane's.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, hashHex, type EngineEvent, type Hash } from "@envforge/core/plugin-kit";
import { dockerPlugin } from "@envforge/plugin-docker";
import { importBaseImage, makeTinyRootfs } from "../support/base-image.js";
import { dockerdUnavailable, startDockerd, type Dockerd } from "../support/dockerd.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { tmp } from "../reliability/support.js";

const reason = await dockerdUnavailable();
if (reason && inCI) throw new Error(`CI must run the other-host test: ${reason}`);
warnSkip("images on another docker host", reason);

const BASE = "envforge-test-tiny:other-host";

describe.skipIf(reason !== undefined)(titleWithReason("an image built on another docker host is found there again", reason), () => {
  let dir: string;
  const daemons: Dockerd[] = [];

  beforeAll(async () => {
    dir = await tmp("farm-other-host");
    daemons.push(...(await Promise.all([startDockerd(), startDockerd()])));
    const rootfs = await makeTinyRootfs(dir);
    // Only the lane's host has the base: a build that ran on the default host would fail.
    await importBaseImage(["docker", "--host", daemons[1]!.host], BASE, process.env, rootfs);
  }, 180_000);

  afterAll(async () => {
    for (const d of daemons) await d.stop().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("build-all on a lane's host, then a plain lookup from the default host's engine hits; removed there, it is rebuilt", { timeout: 180_000 }, async () => {
    const [home, lane] = daemons as [Dockerd, Dockerd];
    // Each call a new engine on the same cache folder, as the next `envforge` process: nothing in memory.
    const events: EngineEvent[] = [];
    const fresh = () => {
      const engine = createEngine({ cacheDir: path.join(dir, "cache"), plugins: [dockerPlugin({ host: home.host })] });
      engine.hooks.event.tap("test", (e) => void events.push(e));
      return engine;
    };
    const starts = () => events.filter((e) => e.type === "build.start").length;
    const d = path.join(dir, "env");
    mkdirSync(d, { recursive: true });
    const file = path.join(d, "env.yaml");
    writeFileSync(file, ["name: other-host", "docker:", `  baseImage: ${BASE}`, "  steps:", "    - RUN echo there > /there", ""].join("\n"));

    const batch = await fresh().buildAll([{ source: { path: file }, ref: "env" }], {
      target: "docker",
      builderOptions: { docker: { network: "none" } },
      lanes: [{ name: "lane", builderOptions: { docker: { host: lane.host } } }],
    });
    expect(batch.items).toMatchObject([{ status: "built", lane: "lane" }]);
    expect(starts()).toBe(1);
    const reference = `envforge/cache:${hashHex(batch.items[0]!.hash as Hash)}`;
    expect((await lane.docker(["image", "inspect", reference], { allowFailure: true })).code).toBe(0);
    expect((await home.docker(["image", "inspect", reference], { allowFailure: true })).code).not.toBe(0);

    // A plain build (no builder options: the default host) finds it on the lane's host.
    const again = await fresh().build(file, { target: "docker" });
    expect(again).toMatchObject({ cached: true, store: "local" });
    expect(again.entry.artifact.details).toMatchObject({ connection: { host: lane.host } });
    expect(starts()).toBe(1);

    // Removed from the host it was built on: verify says so, and the build runs again (there, as asked).
    await lane.docker(["image", "rm", "--force", again.entry.artifact.digest!]);
    const rebuilt = await fresh().build(file, { target: "docker", builderOptions: { docker: { host: lane.host, network: "none" } } });
    expect(rebuilt.cached).toBe(false);
    expect(starts()).toBe(2);
    // The only warnings: the image gone, from the host it was built on.
    const warnings = events.filter((e) => e.type === "warning") as { code: string; message: string }[];
    expect(warnings.length).toBeGreaterThan(0);
    for (const w of warnings) expect(w).toMatchObject({ code: "W_ARTIFACT_GONE", message: expect.stringContaining(`is no longer in ${lane.host}`) });
  });
});
