import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine, type BuilderOptions } from "@envforge/core/plugin-kit";
import { LABEL_HASH } from "@envforge/image";
import { dockerPlugin, imageDetails } from "@envforge/plugin-docker";
import { BASE_IMAGE, dockerSpy, setUpDocker } from "../support/docker-harness.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";

// The engine listens on the unix socket (for setup) and on 127.0.0.1:PORT, the stand-in for a
// shared build host; envforge only ever talks to it over TCP here.
const setup = await setUpDocker({ tcp: true });
const reason = setup.ok ? undefined : setup.reason;
warnSkip("a remote docker engine over TCP", reason);

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

describe.skipIf(!setup.ok)(titleWithReason("a dockerd on 127.0.0.1 over TCP as a remote builder", reason), () => {
  const { dockerd, dir } = setup as Extract<typeof setup, { ok: true }>;
  const tcp = dockerd.tcpHost!;
  const spy = dockerSpy(dir);
  const builderOptions: BuilderOptions = { docker: { network: "none" } };
  let n = 0;
  const envFile = (step: string) => {
    const d = path.join(dir, `env-${++n}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, "env.yaml"), `name: remote\npython:\n  version: "3.11"\ndocker:\n  baseImage: ${BASE_IMAGE}\n  steps: ["RUN echo ${step} > /step"]\n`);
    return path.join(d, "env.yaml");
  };
  const cacheDir = () => path.join(dir, `cache-${++n}`);
  const builds = () => spy.calls().filter((c) => c.split(" ").includes("build"));

  it("builds on the remote engine given as the plugin's host", { timeout: 600_000 }, async () => {
    const engine = createEngine({ plugins: [dockerPlugin({ host: tcp, dockerPath: spy.path })], cacheDir: cacheDir() });
    const file = envFile("one");
    const result = await engine.build(file, { target: "docker", builderOptions });
    expect(result.cached).toBe(false);
    expect(builds()).toHaveLength(1);
    expect(builds()[0]).toContain(`--host ${tcp}`);
    expect(result.entry.artifact.details).toMatchObject({ engine: tcp });
    const inspect = await dockerd.docker(["image", "inspect", "--format", `{{index .Config.Labels "${LABEL_HASH}"}}`, result.entry.artifact.reference!]);
    expect(inspect.stdout.trim()).toBe(result.hash);
    const details = await imageDetails(engine, result.hash, { host: tcp });
    expect(details.cachedIn).toEqual(["local", "docker-daemon"]);
  });

  it("through DOCKER_HOST: another machine's cache finds the image remotely, and a change builds there", { timeout: 600_000 }, async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = tcp;
    try {
      const engine = createEngine({ plugins: [dockerPlugin({ dockerPath: spy.path })], cacheDir: cacheDir() });
      const hit = await engine.build(envFile("one"), { target: "docker", builderOptions });
      expect(hit).toMatchObject({ cached: true, store: "docker-daemon" });
      expect(builds()).toHaveLength(1);

      const changed = await engine.build(envFile("two"), { target: "docker", builderOptions });
      expect(changed.cached).toBe(false);
      expect(builds()).toHaveLength(2);
      expect(builds()[1]).not.toContain("--host");
      const out = await dockerd.docker(["run", "--rm", "--network", "none", changed.entry.artifact.reference!, "cat", "/step"]);
      expect(out.stdout.trim()).toBe("two");
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});
