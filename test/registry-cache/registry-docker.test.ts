import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type BuilderOptions, type EngineEvent } from "@envforge/core/plugin-kit";
import { LABEL_BUILDER, LABEL_CANONICAL, LABEL_HASH } from "@envforge/image";
import { dockerEngines, dockerPlugin } from "@envforge/plugin-docker";
import { pipPlugin } from "@envforge/plugin-pip";
import { MEDIA_OCI_MANIFEST, registryCachePlugin, registryDetails, type RegistryCacheOptions } from "@envforge/plugin-registry-cache";
import { BASE_IMAGE, dockerSpy, setUpDocker } from "../support/docker-harness.js";
import { startDockerd, type Dockerd } from "../support/dockerd.js";
import { htpasswdLine, registryUnavailable, startRegistry, type TestRegistry } from "../support/registry.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";

const missingRegistry = await registryUnavailable();
const setup = missingRegistry ? ({ ok: false, reason: missingRegistry } as const) : await setUpDocker();
const reason = setup.ok ? undefined : setup.reason;
warnSkip("registry cache with real dockerd", reason);
const USER = "ci-robot";
const PASSWORD = "docker-registry-pw-3d9c";
// With bcrypt available the registry asks for Basic auth, so the docker side's private
// DOCKER_CONFIG is exercised too; without, the same flow runs against an open registry.
const htpasswd = await htpasswdLine(USER, PASSWORD);
if (!htpasswd) warnSkip("docker registry auth (the flow runs against an open registry)", "no bcrypt generator (python3 crypt or htpasswd)");

const started: { stop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const s of started.reverse()) await s.stop().catch(() => undefined);
  if (setup.ok) {
    await setup.dockerd.stop();
    rmSync(setup.dir, { recursive: true, force: true });
  }
});

describe.runIf(inCI && !setup.ok)("registry and docker tools in CI", () => {
  it("docker-registry, dockerd and a base image must be available when CI=true", () => {
    throw new Error(`registry tests with docker cannot run: ${reason}`);
  });
});

describe.skipIf(!setup.ok)(titleWithReason("registry cache with a real dockerd and docker-registry", reason), () => {
  const { dockerd: machineA, dir } = setup as Extract<typeof setup, { ok: true }>;
  let machineB: Dockerd;
  let registry: TestRegistry;
  let cache: Omit<RegistryCacheOptions, "docker">;
  const wheels = path.join(dir, "wheels");
  const spy = dockerSpy(dir);
  const builderOptions: BuilderOptions = { docker: { network: "none" }, pip: { findLinks: [wheels], noIndex: true } };
  let n = 0;
  const envFile = (text: string) => {
    const d = path.join(dir, `env-${++n}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, "env.yaml"), text);
    return path.join(d, "env.yaml");
  };
  const machine = (dockerd: Dockerd, options: Omit<RegistryCacheOptions, "docker">) => {
    const connection = { host: dockerd.host, dockerPath: spy.path };
    const engine = createEngine({
      plugins: [pipPlugin(), dockerPlugin(connection), registryCachePlugin({ ...options, engines: { docker: dockerEngines(connection) } })],
      cacheDir: path.join(dir, `cache-${++n}`),
    });
    const events: EngineEvent[] = [];
    engine.hooks.event.tap("test", (e) => events.push(e));
    return { engine, events };
  };
  const warnings = (events: EngineEvent[]) => events.filter((e) => e.type === "warning").map((e) => (e as { code: string }).code);
  const file = envFile(
    [
      "name: shared",
      "python:",
      '  pip: ["envforge-demo-a==1.0"]',
      "docker:",
      `  baseImage: ${BASE_IMAGE}`,
      "  steps: ['RUN echo built-on-machine-a > /etc/envforge-origin']",
      "",
    ].join("\n"),
  );

  beforeAll(async () => {
    await makeWheel(wheels, { name: "envforge-demo-a", version: "1.0" });
    registry = await startRegistry(htpasswd ? { htpasswd } : {});
    started.push(registry);
    cache = { registry: registry.host, insecure: true, ...(htpasswd ? { credentials: { username: USER, password: PASSWORD } } : {}) };
    machineB = await startDockerd();
    started.push(machineB);
  });

  it("a docker build is pushed under its hash; its manifest becomes OCI with the envforge annotations", { timeout: 900_000 }, async () => {
    const a = machine(machineA, cache);
    const { hash, canonicalText } = await a.engine.hash(file);
    const result = await a.engine.build(file, { target: "docker", builderOptions });
    expect(result.cached).toBe(false);
    expect(warnings(a.events)).toEqual([]);
    expect(spy.calls().some((c) => c.endsWith(` push --quiet ${registry.host}/envforge/cache:${hash.slice(5)}`))).toBe(true);
    const details = await registryDetails(hash, cache);
    expect(details).toMatchObject({ status: "found", mediaType: MEDIA_OCI_MANIFEST });
    if (details.status !== "found") throw new Error("not found");
    expect(details.annotations).toMatchObject({ [LABEL_HASH]: hash, [LABEL_CANONICAL]: canonicalText, [LABEL_BUILDER]: "docker" });
    expect(details.labels?.[LABEL_HASH]).toBe(hash);
    expect(details.sizeBytes).toBeGreaterThan(1_000_000);
    expect(JSON.stringify(a.events)).not.toContain(PASSWORD);
    expect(spy.calls().join("\n")).not.toContain(PASSWORD);
  });

  it("a second machine (another dockerd, another cache folder) pulls instead of building", { timeout: 900_000 }, async () => {
    const b = machine(machineB, cache);
    const result = await b.engine.build(file, { target: "docker", builderOptions });
    expect(result).toMatchObject({ cached: true, store: "registry" });
    expect(b.events.some((e) => e.type === "build.start")).toBe(false);
    expect(spy.calls().filter((c) => c.includes(machineB.host) && c.split(" ").includes("build"))).toEqual([]);
    expect(result.entry.artifact.reference).toBe(`envforge/cache:${result.hash.slice(5)}`);
    const run = await machineB.docker(["run", "--rm", "--network", "none", result.entry.artifact.reference!, "cat", "/etc/envforge-origin"]);
    expect(run.stdout.trim()).toBe("built-on-machine-a");
    // Recorded locally, and the engine has it now: neither tier needs the registry again.
    expect((await b.engine.cache.local.get({ hash: result.hash, target: "docker" })).entry).toBeDefined();
    const fresh = createEngine({ plugins: [pipPlugin(), dockerPlugin({ host: machineB.host })], cacheDir: path.join(dir, `cache-${++n}`) });
    expect(await fresh.build(file, { target: "docker", builderOptions })).toMatchObject({ cached: true, store: "docker-daemon" });
    expect(JSON.stringify(b.events)).not.toContain(PASSWORD);
  });
});
