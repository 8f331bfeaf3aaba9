import { rmSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine, formatLock, resolveLock } from "@envforge/core/plugin-kit";
import { dockerPlugin } from "@envforge/plugin-docker";
import { makeTinyRootfs } from "../support/base-image.js";
import { setUpDocker } from "../support/docker-harness.js";
import { run } from "../support/processes.js";
import { registryUnavailable, startRegistry, type TestRegistry } from "../support/registry.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";

/**
 * An image's lock pins its base to the registry digest, read from a real dockerd (pulled when the
 * engine has not got it), and the generated Dockerfile builds `FROM base@digest`.
 */
const BASE = "envforge-lock-tiny:1";
const tinyDir = await mkdtemp(path.join(os.tmpdir(), "envforge-lock-tiny-"));
const tiny = await makeTinyRootfs(tinyDir, ["cat"]).catch((cause: Error) => cause);
const missingRegistry = await registryUnavailable();
const setup =
  tiny instanceof Error
    ? ({ ok: false, reason: `cannot make a tiny root filesystem: ${tiny.message}` } as const)
    : missingRegistry
      ? ({ ok: false, reason: missingRegistry } as const)
      : await setUpDocker({ base: { name: BASE, rootfs: tiny } });
const reason = setup.ok ? undefined : setup.reason;
warnSkip("image lock with a real dockerd and registry", reason);
let registry: TestRegistry | undefined;

afterAll(async () => {
  await registry?.stop().catch(() => undefined);
  if (setup.ok) {
    await setup.dockerd.stop();
    rmSync(setup.dir, { recursive: true, force: true });
  }
  rmSync(tinyDir, { recursive: true, force: true });
});

describe.runIf(inCI && !setup.ok)("docker and a registry in CI", () => {
  it("dockerd, docker-registry and a base must be available when CI=true", () => {
    throw new Error(`image lock tests cannot run: ${reason}`);
  });
});

describe.skipIf(!setup.ok)(titleWithReason("envforge lock of an image's base (real dockerd and registry)", reason), () => {
  const { dockerd, dir } = setup as Extract<typeof setup, { ok: true }>;
  const docker = (...args: string[]) => run("docker", ["--host", dockerd.host, ...args]);

  it("records the registry digest of the base (pulling it when absent), and builds FROM base@digest", async () => {
    registry = await startRegistry();
    const base = `${registry.host}/tiny:1`;
    await docker("tag", BASE, base);
    const pushed = await docker("push", base);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1];
    expect(digest, pushed.stdout).toBeDefined();
    await writeFile(path.join(dir, "env.yaml"), `docker:\n  baseImage: ${base}\n  steps: ["RUN cat /etc/hostname || true"]\n`);
    const engine = createEngine({ plugins: [dockerPlugin({ host: dockerd.host })], cacheDir: path.join(dir, "cache") });
    const lockOf = async () => (await resolveLock(engine, await engine.resolve(path.join(dir, "env.yaml")), {})).lock;
    expect((await lockOf()).image).toEqual({ base, digest });
    // Not in the engine any more: pulled to read its digest.
    await docker("rmi", base);
    const lock = await lockOf();
    expect(lock.image).toEqual({ base, digest });
    // Built from the lock: FROM base@digest, which the engine pulls by digest.
    await writeFile(path.join(dir, "env.lock"), formatLock(lock));
    await docker("rmi", base);
    const built = await engine.build(path.join(dir, "env.yaml"), { target: "docker", builderOptions: { docker: { network: "none" } } });
    expect(built.cached).toBe(false);
    const history = await docker("image", "inspect", "--format", "{{json .RepoDigests}}", `${registry.host}/tiny@${digest}`);
    expect(history.stdout).toContain(digest);
  });
});
