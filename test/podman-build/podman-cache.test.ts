import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, EnvforgeError, type BuilderOptions, type EngineEvent, type EnginePlugin } from "@envforge/core/plugin-kit";
import { LABEL_BUILDER, LABEL_CANONICAL, LABEL_HASH } from "@envforge/image";
import { dockerPlugin } from "@envforge/plugin-docker";
import { podmanImageDetails, podmanPlugin, type PodmanPluginOptions } from "@envforge/plugin-podman";
import { pipPlugin } from "@envforge/plugin-pip";
import { dockerSpy } from "../support/docker-harness.js";
import { PODMAN_BASE_IMAGE, setUpPodman } from "../support/podman.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";

const setup = await setUpPodman();
const reason = setup.ok ? undefined : setup.reason;
warnSkip("real podman builds", reason);
const dir = mkdtempSync(path.join(os.tmpdir(), "envforge-podman-test-"));

afterAll(async () => {
  if (setup.ok) await setup.storage.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(inCI && !setup.ok)("podman tools in CI", () => {
  it("podman, buildah and a base image must be available when CI=true", () => {
    throw new Error(`real podman tests cannot run: ${reason}`);
  });
});

const PASSWORD = "podman-registry-pw-8c1f";
const definition = (name: string, extraStep = "") =>
  [
    `name: ${name}`,
    "python:",
    '  pip: ["envforge-demo-b==1.0", "envforge-demo-a==1.0"]',
    "docker:",
    `  baseImage: ${PODMAN_BASE_IMAGE}`,
    "  buildArgs: {GREETING: hello-from-arg}",
    "  steps:",
    '    - RUN echo "$GREETING" > /etc/envforge-greeting',
    ...(extraStep ? [`    - ${extraStep}`] : []),
    "",
  ].join("\n");

describe.skipIf(!setup.ok)(titleWithReason("podman builder against real podman/buildah", reason), () => {
  const { storage } = setup as Extract<typeof setup, { ok: true }>;
  const wheels = path.join(dir, "wheels");
  const spy = dockerSpy(dir, "podman");
  const builderOptions: BuilderOptions = {
    pip: { findLinks: [wheels], noIndex: true },
    // Credentials for a registry the base could come from: they must not end up anywhere visible.
    podman: { registry: "registry.example.invalid", username: "ci-robot", password: PASSWORD },
  };
  const builds = () => spy.calls().filter((c) => c.split(" ").includes("build")).length;
  let n = 0;
  const makeEngine = (options: PodmanPluginOptions = {}, extra: EnginePlugin[] = []) => {
    const engine = createEngine({
      plugins: [pipPlugin(), ...extra, podmanPlugin({ ...storage.connection, podmanPath: spy.path, ...options })],
      cacheDir: path.join(dir, `cache-${++n}`),
    });
    const events: EngineEvent[] = [];
    engine.hooks.event.tap("test", (e) => events.push(e));
    return { engine, events };
  };
  const envFile = (name: string, text: string) => {
    const d = path.join(dir, `${name}-${++n}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, "env.yaml"), text);
    return path.join(d, "env.yaml");
  };
  const labels = async (ref: string) => JSON.parse((await storage.podman(["image", "inspect", "--format", "{{json .Labels}}", ref])).stdout) as Record<string, string>;

  const first = makeEngine();
  const file = envFile("demo", definition("demo"));

  beforeAll(async () => {
    await makeWheel(wheels, { name: "envforge-demo-a", version: "1.0" });
    await makeWheel(wheels, { name: "envforge-demo-b", version: "1.0", requires: ["envforge-demo-a>=1.0"] });
  });

  it("a miss builds with podman from the shared Dockerfile: venv with the wheels, build args, labels", { timeout: 900_000 }, async () => {
    const { hash, canonicalText } = await first.engine.hash(file);
    const result = await first.engine.build(file, { target: "podman", builderOptions });
    expect(result.cached).toBe(false);
    expect(builds()).toBe(1);
    const artifact = result.entry.artifact;
    expect(artifact).toMatchObject({ kind: "podman-image", reference: `localhost/envforge/cache:${hash.slice(5)}` });
    expect(artifact.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(artifact.sizeBytes).toBeGreaterThan(1_000_000);
    expect(artifact.details?.tags).toContain(`localhost/envforge/demo:${hash.slice(5, 17)}`);
    const ref = artifact.reference!;
    const versions = "import importlib.metadata as m; print(m.version('envforge-demo-a'), m.version('envforge-demo-b'))";
    expect(await storage.inImage(ref, ["/opt/envforge/venv/bin/python", "-c", versions])).toBe("1.0 1.0");
    expect(await storage.inImage(ref, ["cat", "/etc/envforge-greeting"])).toBe("hello-from-arg");
    const l = await labels(ref);
    expect(l[LABEL_HASH]).toBe(hash);
    expect(l[LABEL_CANONICAL]).toBe(canonicalText);
    expect(l[LABEL_BUILDER]).toBe("podman");
    // Output is streamed as log events while podman works.
    const logs = first.events.filter((e) => e.type === "log").map((e) => (e as { line: string }).line);
    expect(logs.some((line) => /^STEP \d+\/\d+: RUN /.test(line))).toBe(true);
    // The credentials reach podman through a temp auth file only.
    const history = (await storage.podman(["history", "--no-trunc", "--format", "{{.CreatedBy}}", ref])).stdout;
    const inspect = (await storage.podman(["image", "inspect", ref])).stdout;
    for (const text of [JSON.stringify(first.events), history, inspect, readFileSync(result.entry.logPath!, "utf8")]) expect(text).not.toContain(PASSWORD);
    expect(spy.calls().join("\n")).not.toContain(PASSWORD);
  });

  it("a repeat is a cache hit without calling podman build", async () => {
    const started = performance.now();
    const result = await first.engine.build(file, { target: "podman", builderOptions });
    expect(result.cached).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(builds()).toBe(1);
  });

  it("a new cache folder finds the image in podman's storage, then in its own cache; docker loaded too changes nothing", async () => {
    const second = makeEngine({}, [dockerPlugin({ daemonCache: false })]);
    const result = await second.engine.build(envFile("renamed", definition("another-name")), { target: "podman", builderOptions });
    expect(result).toMatchObject({ cached: true, store: "podman-storage" });
    expect(result.entry.canonicalText).toBe((await first.engine.hash(file)).canonicalText);
    expect(second.events.some((e) => e.type === "build.start")).toBe(false);
    const again = await second.engine.build(file, { target: "podman", builderOptions });
    expect(["memory", "local"]).toContain(again.store);
    expect(builds()).toBe(1);
  });

  it("image details: reference, digest, size, labels, builder, where it is cached", async () => {
    const { hash } = await first.engine.hash(file);
    const details = await podmanImageDetails(first.engine, hash, storage.connection);
    expect(details).toMatchObject({ hash, builder: "podman", reference: `localhost/envforge/cache:${hash.slice(5)}`, cachedIn: ["local", "podman-storage"] });
    expect(details.labels[LABEL_HASH]).toBe(hash);
    expect(details.platform).toMatch(/^linux\//);
    await expect(podmanImageDetails(first.engine, `efh1:${"0".repeat(64)}`, storage.connection)).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  });

  it("a failed RUN is E_BUILD_FAILED with that step's output, and leaves no entry and no labelled image", { timeout: 600_000 }, async () => {
    const broken = envFile("broken", `name: broken\ndocker:\n  baseImage: ${PODMAN_BASE_IMAGE}\n  steps:\n    - RUN echo fine-before\n    - RUN echo boom-output && echo boom-stderr >&2 && exit 7\n`);
    const { engine } = makeEngine();
    const { hash } = await engine.hash(broken);
    const error = await engine.build(broken, { target: "podman" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvforgeError);
    const e = error as EnvforgeError;
    expect(e.code).toBe("E_BUILD_FAILED");
    expect(e.message).toContain("at step `RUN echo boom-output && echo boom-stderr >&2 && exit 7`");
    expect(e.message).toContain("exit code 7");
    expect(e.message).toContain("boom-output");
    expect(e.message).toContain("boom-stderr");
    expect(e.message).not.toContain("fine-before");
    expect(e.hint).toMatch(/nothing was cached/);
    expect((await engine.cache.local.get({ hash, target: "podman" })).entry).toBeUndefined();
    const labelled = await storage.podman(["images", "-q", "--filter", `label=${LABEL_HASH}=${hash}`]);
    expect(labelled.stdout.trim()).toBe("");
  });

  it("builds on a remote podman (podman --remote --url) and finds its images there", { timeout: 600_000 }, async () => {
    const service = await storage.serve();
    try {
      const remote = makeEngine({ url: service.url, root: undefined, runroot: undefined, storageDriver: undefined });
      const other = envFile("remote", definition("remote", "RUN echo built-remotely > /etc/envforge-remote").replace("docker:\n", "docker:\n  platform: linux/amd64\n"));
      const result = await remote.engine.build(other, { target: "podman", builderOptions: { pip: builderOptions.pip, podman: { network: "host" } } });
      expect(result.cached).toBe(false);
      expect(result.entry.artifact.details).toMatchObject({ engine: `podman at ${service.url}`, platform: "linux/amd64" });
      const build = spy.calls().find((c) => c.startsWith(`--remote --url=${service.url} build `));
      expect(build).toContain("--platform=linux/amd64");
      expect(build).toContain("--network=host");
      expect(build).toContain("--isolation=chroot");
      expect(await storage.inImage(result.entry.artifact.reference!, ["cat", "/etc/envforge-remote"])).toBe("built-remotely");
      // The steps below the new one came from the layer cache of the first (local) build: same storage.
      expect((result.entry.artifact.details?.cachedSteps as string[]).some((s) => s.includes("GREETING"))).toBe(true);
      const fresh = makeEngine({ url: service.url, root: undefined, runroot: undefined, storageDriver: undefined });
      expect(await fresh.engine.build(other, { target: "podman", builderOptions })).toMatchObject({ cached: true, store: "podman-storage" });
    } finally {
      await service.stop();
    }
  });
});
