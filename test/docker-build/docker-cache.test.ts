import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type BuilderOptions, type EngineEvent } from "@envforge/core/plugin-kit";
import { LABEL_CANONICAL, LABEL_HASH, renderDockerfile } from "@envforge/image";
import { dockerPlugin, imageDetails } from "@envforge/plugin-docker";
import { pipPlugin } from "@envforge/plugin-pip";
import { BASE_IMAGE, dockerSpy, setUpDocker } from "../support/docker-harness.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";
import { runCli, runQuick } from "../cli/support.js";

const setup = await setUpDocker();
const reason = setup.ok ? undefined : setup.reason;
warnSkip("real docker builds (cache hits, renames, pin changes)", reason);

afterAll(async () => {
  if (setup.ok) {
    await setup.dockerd.stop();
    rmSync(setup.dir, { recursive: true, force: true });
  }
});

describe.runIf(inCI && !setup.ok)("docker tools in CI", () => {
  it("dockerd and a base image must be available when CI=true", () => {
    throw new Error(`real docker tests cannot run: ${reason}`);
  });
});

const definition = (name: string, demoA: string) =>
  [
    `name: ${name}`,
    "python:",
    '  version: "3.11"',
    `  pip: ["envforge-demo-b==1.0", "envforge-demo-a==${demoA}"]`,
    "docker:",
    `  baseImage: ${BASE_IMAGE}`,
    "  steps:",
    '    - RUN echo "home is $HOME" > /etc/envforge-step',
    "",
  ].join("\n");

describe.skipIf(!setup.ok)(titleWithReason("docker builder against a real dockerd: cache", reason), () => {
  const { dockerd, dir } = setup as Extract<typeof setup, { ok: true }>;
  const wheels = path.join(dir, "wheels");
  const spy = dockerSpy(dir);
  const builderOptions: BuilderOptions = { docker: { network: "none" }, pip: { findLinks: [wheels], noIndex: true } };
  const buildsSoFar = () => spy.calls().filter((c) => c.split(" ").includes("build")).length;
  let cacheN = 0;
  const makeEngine = () => {
    const engine = createEngine({
      plugins: [pipPlugin(), dockerPlugin({ host: dockerd.host, dockerPath: spy.path })],
      cacheDir: path.join(dir, `cache-${++cacheN}`),
    });
    const events: EngineEvent[] = [];
    engine.hooks.event.tap("test", (e) => events.push(e));
    return { engine, events };
  };
  const envFile = (name: string, text: string) => {
    const d = path.join(dir, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, "env.yaml"), text);
    return path.join(d, "env.yaml");
  };
  const inImage = async (ref: string, ...cmd: string[]) => (await dockerd.docker(["run", "--rm", "--network", "none", ref, ...cmd])).stdout.trim();
  const versions = "import importlib.metadata as m; print(m.version('envforge-demo-a'), m.version('envforge-demo-b'))";
  const layers = async (ref: string) => JSON.parse((await dockerd.docker(["image", "inspect", "--format", "{{json .RootFS.Layers}}", ref])).stdout) as string[];

  const first = makeEngine();
  const file = envFile("demo", definition("demo", "1.0"));

  beforeAll(async () => {
    await makeWheel(wheels, { name: "envforge-demo-a", version: "1.0" });
    await makeWheel(wheels, { name: "envforge-demo-a", version: "2.0" });
    await makeWheel(wheels, { name: "envforge-demo-b", version: "1.0", requires: ["envforge-demo-a>=1.0"] });
  });

  it("a miss builds the image: base, steps, venv with the pinned wheels, labels", { timeout: 600_000 }, async () => {
    const { hash, canonicalText } = await first.engine.hash(file);
    const result = await first.engine.build(file, { target: "docker", builderOptions });
    expect(result.cached).toBe(false);
    expect(buildsSoFar()).toBe(1);
    const artifact = result.entry.artifact;
    expect(artifact).toMatchObject({ kind: "docker-image", reference: `envforge/cache:${hash.slice(5)}` });
    expect(artifact.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(artifact.sizeBytes).toBeGreaterThan(1_000_000);
    expect(artifact.details?.tags).toContain(`envforge/demo:${hash.slice(5, 17)}`);
    expect(await inImage(artifact.reference!, "python", "-c", versions)).toBe("1.0 1.0");
    expect(await inImage(artifact.reference!, "cat", "/etc/envforge-step")).toBe("home is /root");
    expect(await inImage(artifact.reference!, "sh", "-c", "command -v python")).toBe("/opt/envforge/venv/bin/python");
    const labels = JSON.parse((await dockerd.docker(["image", "inspect", "--format", "{{json .Config.Labels}}", artifact.reference!])).stdout) as Record<string, string>;
    expect(labels[LABEL_HASH]).toBe(hash);
    expect(labels[LABEL_CANONICAL]).toBe(canonicalText);
    // Build output is streamed as log events while docker works.
    const logs = first.events.filter((e) => e.type === "log").map((e) => (e as { line: string }).line);
    expect(logs.some((l) => /^Step \d+\/\d+ : |^#\d+ \[/.test(l))).toBe(true);
    // What ran is what `envforge dockerfile` prints.
    const rendered = await renderDockerfile(first.engine, file, { builderOptions });
    expect(rendered.hash).toBe(hash);
    expect(rendered.image.dockerfile).toContain("FROM docker.io/library/envforge-test-python:bookworm");
  });

  it("a repeat is a cache hit without calling docker build", { timeout: 600_000 }, async () => {
    const started = performance.now();
    const result = await first.engine.build(file, { target: "docker", builderOptions });
    const ms = performance.now() - started;
    expect(result.cached).toBe(true);
    expect(buildsSoFar()).toBe(1);
    expect(ms).toBeLessThan(1000);
  });

  it("a new cache folder finds the image in the daemon (store docker-daemon), then in its own cache", { timeout: 600_000 }, async () => {
    const second = makeEngine();
    const result = await second.engine.build(file, { target: "docker", builderOptions });
    expect(result).toMatchObject({ cached: true, store: "docker-daemon" });
    expect(result.entry.artifact.reference).toMatch(/^envforge\/cache:/);
    expect(buildsSoFar()).toBe(1);
    const again = await second.engine.build(file, { target: "docker", builderOptions });
    expect(again.cached).toBe(true);
    expect(["memory", "local"]).toContain(again.store);
  });

  it("renaming the environment hits the same image", { timeout: 600_000 }, async () => {
    const renamed = envFile("renamed", definition("a-completely-different-name", "1.0").replace("name:", "version: '7'\nname:"));
    const fresh = makeEngine();
    const [a, b] = await Promise.all([first.engine.hash(file), fresh.engine.hash(renamed)]);
    expect(b.hash).toBe(a.hash);
    const result = await first.engine.build(renamed, { target: "docker", builderOptions });
    expect(result.cached).toBe(true);
    expect(buildsSoFar()).toBe(1);
  });

  it("changing one pin rebuilds and reuses the layers below the pip install", { timeout: 600_000 }, async () => {
    const before = await first.engine.build(file, { target: "docker", builderOptions });
    const changed = envFile("changed", definition("demo", "2.0"));
    const result = await first.engine.build(changed, { target: "docker", builderOptions });
    expect(result.cached).toBe(false);
    expect(result.hash).not.toBe(before.hash);
    expect(buildsSoFar()).toBe(2);
    const ref = result.entry.artifact.reference!;
    expect(await inImage(ref, "python", "-c", versions)).toBe("2.0 1.0");
    // The builder reported the lower steps as cached …
    const cached = result.entry.artifact.details?.cachedSteps as string[];
    expect(cached.some((s) => s.includes('RUN echo "home is $HOME"'))).toBe(true);
    expect(cached.some((s) => s.includes("/opt/envforge/venv") && s.includes("venv"))).toBe(true);
    // … and only the requirements copy and the install ran again.
    expect(cached.some((s) => s.startsWith("COPY envforge/pip") || s.includes('"install"'))).toBe(false);
    // … and the images share those layers byte for byte: only the requirements copy and install differ.
    const [old, fresh] = await Promise.all([layers(before.entry.artifact.reference!), layers(ref)]);
    let shared = 0;
    while (shared < old.length && old[shared] === fresh[shared]) shared++;
    expect(old.length).toBe(fresh.length);
    // base + custom step + venv at least
    expect(shared).toBeGreaterThanOrEqual(3);
    expect(shared).toBe(fresh.length - 2);
  });

  it("image details: reference, digest, size, labels, created, builder, where it is cached", { timeout: 600_000 }, async () => {
    const { hash } = await first.engine.hash(file);
    const details = await imageDetails(first.engine, hash, { host: dockerd.host });
    expect(details).toMatchObject({ hash, builder: "docker", platform: "linux/amd64" });
    expect(details.reference).toBe(`envforge/cache:${hash.slice(5)}`);
    expect(details.imageId).toMatch(/^sha256:/);
    expect(details.sizeBytes).toBeGreaterThan(1_000_000);
    expect(details.labels[LABEL_HASH]).toBe(hash);
    expect(Date.parse(details.created!)).toBeGreaterThan(Date.now() - 3_600_000);
    expect(details.cachedIn).toEqual(["local", "docker-daemon"]);
    expect(details.buildDurationMs).toBeGreaterThan(0);
    const fromFile = await imageDetails(makeEngine().engine, file, { host: dockerd.host });
    expect(fromFile.cachedIn).toEqual(["docker-daemon"]);
    await expect(imageDetails(first.engine, `efh1:${"0".repeat(64)}`, { host: dockerd.host })).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  });
  it("the CLI's quick path answers a cached image build once the image is seen in the engine (over its socket); a removed image goes to the full CLI", { timeout: 600_000 }, async () => {
    const env = { DOCKER_HOST: dockerd.host };
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = dockerd.host; // what the docker plugin's CLI calls inherit
    try {
      const args = ["build", file, "--target", "docker", "--cache-dir", path.join(dir, "cache-cli")];
      const built = await runCli([...args, "-o", "docker.network=none", "--find-links", wheels, "--no-index"], { env });
      expect(built.code, built.stderr).toBe(0);
      const quick = await runQuick(args, { env });
      expect(quick).toBeDefined();
      expect(quick).toEqual(await runCli(args, { env }));
      expect(quick!.stdout).toContain("status: cache hit (local)");
      // Another docker engine (another socket): only the engine's own verify tap may answer.
      expect(await runQuick(args, { env: { DOCKER_HOST: "tcp://127.0.0.1:1" } })).toBeUndefined();

      // `docker rmi` of the image itself (every tag): the entry stays, the image is gone.
      const { hash } = await first.engine.hash(file);
      const id = (await dockerd.docker(["image", "inspect", "--format", "{{.Id}}", `envforge/cache:${hash.slice(5)}`])).stdout.trim();
      await dockerd.docker(["rmi", "-f", id]);
      expect(await dockerd.docker(["image", "inspect", id]).then(() => "still there", () => "gone")).toBe("gone");
      expect(await runQuick(args, { env })).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});
