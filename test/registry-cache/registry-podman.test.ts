import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type BuilderOptions, type EngineEvent } from "@envforge/core/plugin-kit";
import { LABEL_BUILDER, LABEL_CANONICAL, LABEL_HASH } from "@envforge/image";
import { podmanEngines, podmanPlugin, type PodmanPluginOptions } from "@envforge/plugin-podman";
import { pipPlugin } from "@envforge/plugin-pip";
import { MEDIA_OCI_MANIFEST, registryCachePlugin, registryDetails, type RegistryCacheOptions } from "@envforge/plugin-registry-cache";
import { dockerSpy } from "../support/docker-harness.js";
import { createPodmanStorage, PODMAN_BASE_IMAGE, setUpPodman, type PodmanStorage } from "../support/podman.js";
import { freePort, htpasswdLine, registryUnavailable, startRegistry, type TestRegistry } from "../support/registry.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";

const reason = (await registryUnavailable()) ?? undefined;
const setup = reason ? ({ ok: false, reason } as const) : await setUpPodman();
const skipReason = setup.ok ? undefined : setup.reason;
warnSkip("registry cache with real podman", skipReason);
const dir = mkdtempSync(path.join(os.tmpdir(), "envforge-registry-podman-"));
const USER = "ci-robot";
const PASSWORD = "registry-pw-5e7a9b";
const htpasswd = await htpasswdLine(USER, PASSWORD);

const started: { stop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const s of started.reverse()) await s.stop().catch(() => undefined);
  if (setup.ok) await setup.storage.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(inCI && !setup.ok)("registry and podman tools in CI", () => {
  it("docker-registry, podman, buildah and a base image must be available when CI=true", () => {
    throw new Error(`registry tests with podman cannot run: ${skipReason}`);
  });
});

const definition = (name: string, step: string) =>
  [
    `name: ${name}`,
    "python:",
    '  pip: ["envforge-demo-a==1.0"]',
    "docker:",
    `  baseImage: ${PODMAN_BASE_IMAGE}`,
    "  steps:",
    `    - ${step}`,
    "",
  ].join("\n");

describe.runIf(inCI && setup.ok && htpasswd === undefined)("registry auth tools in CI", () => {
  it("a bcrypt generator (python3 crypt or apache2-utils' htpasswd) must be available when CI=true", () => {
    throw new Error("the registry auth tests cannot run: no bcrypt htpasswd generator");
  });
});

describe.skipIf(!setup.ok)(titleWithReason("registry cache with real podman and docker-registry", skipReason), () => {
  const machineA = (setup as Extract<typeof setup, { ok: true }>).storage;
  let machineB: PodmanStorage;
  let registry: TestRegistry;
  const wheels = path.join(dir, "wheels");
  const spy = dockerSpy(dir, "podman");
  const builderOptions: BuilderOptions = { pip: { findLinks: [wheels], noIndex: true } };
  let n = 0;
  const envFile = (text: string) => {
    const d = path.join(dir, `env-${++n}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, "env.yaml"), text);
    return path.join(d, "env.yaml");
  };
  const machine = (storage: PodmanStorage, cache: Omit<RegistryCacheOptions, "podman">, podman: PodmanPluginOptions = {}) => {
    const engine = createEngine({
      plugins: [pipPlugin(), podmanPlugin({ ...storage.connection, podmanPath: spy.path, ...podman }), registryCachePlugin({ ...cache, engines: { podman: podmanEngines({ ...storage.connection, podmanPath: spy.path }) } })],
      cacheDir: path.join(dir, `cache-${++n}`),
    });
    const events: EngineEvent[] = [];
    engine.hooks.event.tap("test", (e) => events.push(e));
    return { engine, events };
  };
  const warnings = (events: EngineEvent[]) => events.filter((e) => e.type === "warning").map((e) => (e as { code: string }).code);
  const built = (events: EngineEvent[]) => events.some((e) => e.type === "build.start");
  const file = envFile(definition("shared", "RUN echo built-on-machine-a > /etc/envforge-origin"));

  beforeAll(async () => {
    await makeWheel(wheels, { name: "envforge-demo-a", version: "1.0" });
    registry = await startRegistry();
    started.push(registry);
    machineB = await createPodmanStorage({ base: false });
    started.push({ stop: () => machineB.remove() });
  });

  it("a fresh build is pushed under its hash, with the envforge facts as labels and manifest annotations", { timeout: 900_000 }, async () => {
    const a = machine(machineA, { registry: registry.host, insecure: true });
    const { hash, canonicalText } = await a.engine.hash(file);
    expect((await registryDetails(hash, { registry: registry.host, insecure: true })).status).toBe("missing");
    const result = await a.engine.build(file, { target: "podman", builderOptions });
    expect(result.cached).toBe(false);
    expect(warnings(a.events)).toEqual([]);
    const details = await registryDetails(hash, { registry: registry.host, insecure: true });
    const logs = a.events.filter((e) => e.type === "log").map((e) => (e as { line: string }).line);
    expect(logs).toContain(`pushed ${registry.host}/envforge/cache:${hash.slice(5)}@${(details as { digest: string }).digest} to the registry cache`);
    expect(details).toMatchObject({ status: "found", reference: `${registry.host}/envforge/cache:${hash.slice(5)}`, mediaType: MEDIA_OCI_MANIFEST });
    if (details.status !== "found") throw new Error("unreachable");
    expect(details.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(details.sizeBytes).toBeGreaterThan(1_000_000);
    expect(details.annotations).toMatchObject({ [LABEL_HASH]: hash, [LABEL_CANONICAL]: canonicalText, [LABEL_BUILDER]: "podman" });
    expect(details.labels?.[LABEL_HASH]).toBe(hash);
    expect(Date.parse(details.created!)).toBeGreaterThan(Date.now() - 3_600_000);
  });

  it("a second machine (own podman storage, own cache folder) pulls instead of building, and records it locally", { timeout: 600_000 }, async () => {
    const buildsBefore = spy.calls().filter((c) => c.split(" ").includes("build")).length;
    const b = machine(machineB, { registry: registry.host, insecure: true });
    const result = await b.engine.build(file, { target: "podman", builderOptions });
    expect(result).toMatchObject({ cached: true, store: "registry" });
    expect(built(b.events)).toBe(false);
    expect(spy.calls().filter((c) => c.split(" ").includes("build")).length).toBe(buildsBefore);
    expect(spy.calls().some((c) => c.includes(machineB.connection.root!) && c.includes(" pull ") && c.includes("--tls-verify=false"))).toBe(true);
    expect(result.entry.artifact.reference).toBe(`localhost/envforge/cache:${result.hash.slice(5)}`);
    expect(result.entry.artifact.details).toMatchObject({ foundBy: "registry", pulledFrom: `${registry.host}/envforge/cache:${result.hash.slice(5)}` });
    expect(await machineB.inImage(result.entry.artifact.reference!, ["cat", "/etc/envforge-origin"])).toBe("built-on-machine-a");
    expect(await machineB.inImage(result.entry.artifact.reference!, ["/opt/envforge/venv/bin/python", "-c", "import envforge_demo_a as m; print(m.__version__)"])).toBe("1.0");
    // Recorded in this machine's cache: the next lookup never leaves the machine.
    expect((await b.engine.cache.local.get({ hash: result.hash, target: "podman" })).entry?.canonicalText).toBe(result.entry.canonicalText);
    const again = await b.engine.build(file, { target: "podman", builderOptions });
    expect(["memory", "local"]).toContain(again.store);
  });

  it("a registry that is down degrades to warnings and a local build", { timeout: 600_000 }, async () => {
    const down = machine(machineA, { registry: `127.0.0.1:${await freePort()}`, insecure: true });
    const other = envFile(definition("down", "RUN echo registry-was-down > /etc/envforge-origin"));
    const result = await down.engine.build(other, { target: "podman", builderOptions });
    expect(result.cached).toBe(false);
    expect(built(down.events)).toBe(true);
    expect(warnings(down.events)).toEqual(["W_REGISTRY_UNAVAILABLE", "W_REGISTRY_UNAVAILABLE"]);
    const messages = down.events.filter((e) => e.type === "warning").map((e) => (e as { message: string }).message);
    expect(messages[0]).toMatch(/ECONNREFUSED.*building locally/);
    expect(messages[1]).toMatch(/built but not pushed/);
    expect(await machineA.inImage(result.entry.artifact.reference!, ["cat", "/etc/envforge-origin"])).toBe("registry-was-down");
  });

  it("a registry that accepts connections but never answers costs one timeout, then a local build", { timeout: 600_000 }, async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => void sockets.add(socket)); // holds every connection open, says nothing
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const host = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
      const c = machine(machineA, { registry: host, insecure: true, timeoutMs: 1000 });
      const other = envFile(definition("silent", "RUN echo registry-was-silent > /etc/envforge-origin"));
      const begun = Date.now();
      const result = await c.engine.build(other, { target: "podman", builderOptions });
      expect(result.cached).toBe(false);
      expect(warnings(c.events)).toEqual(["W_REGISTRY_UNAVAILABLE", "W_REGISTRY_UNAVAILABLE"]);
      expect(c.events.find((e) => e.type === "warning")).toMatchObject({ message: expect.stringContaining("no answer within 1000 ms") });
      // The push did not wait again: the registry was known to be down.
      expect(c.events.filter((e) => e.type === "warning").at(-1)).toMatchObject({ message: expect.stringContaining("did not answer a moment ago") });
      expect(Date.now() - begun - (result.timings.buildMs ?? 0)).toBeLessThan(10_000);
      expect(await machineA.inImage(result.entry.artifact.reference!, ["cat", "/etc/envforge-origin"])).toBe("registry-was-silent");
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  describe.skipIf(htpasswd === undefined)(
    titleWithReason("with htpasswd (bcrypt) Basic auth", htpasswd === undefined ? "no bcrypt generator (python3 crypt or htpasswd) here; Bearer/Basic headers are covered by the client unit tests" : undefined),
    () => {
      let secured: TestRegistry;
      beforeAll(async () => {
        secured = await startRegistry({ htpasswd: htpasswd! });
        started.push(secured);
      });

      it("pushes and pulls with credentials (given directly, and from a docker config.json); they never show", { timeout: 600_000 }, async () => {
        const credentials = { username: USER, password: PASSWORD };
        // storageCache off: the image is in machine A's storage already; this must go through the registry.
        const a = machine(machineA, { registry: secured.host, insecure: true, credentials }, { storageCache: false });
        const result = await a.engine.build(file, { target: "podman", builderOptions });
        expect(result.cached).toBe(false);
        expect(warnings(a.events)).toEqual([]);
        expect((await registryDetails(result.hash, { registry: secured.host, insecure: true, credentials })).status).toBe("found");
        expect(await registryDetails(result.hash, { registry: secured.host, insecure: true })).toMatchObject({ status: "unreachable", reason: expect.stringMatching(/401.*no credentials/) });

        const configFile = path.join(dir, "docker-config.json");
        writeFileSync(configFile, JSON.stringify({ auths: { [`http://${secured.host}`]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString("base64") } } }));
        const b = machine(machineB, { registry: secured.host, insecure: true, credentialsFile: configFile }, { storageCache: false });
        expect(await b.engine.build(file, { target: "podman", builderOptions })).toMatchObject({ cached: true, store: "registry" });
        expect(built(b.events)).toBe(false);
        for (const events of [a.events, b.events]) expect(JSON.stringify(events)).not.toContain(PASSWORD);
        expect(spy.calls().join("\n")).not.toContain(PASSWORD);
      });

      it("wrong credentials are a warning and a local build, never a failure", { timeout: 600_000 }, async () => {
        const wrong = "not-the-password-71";
        const c = machine(machineA, { registry: secured.host, insecure: true, credentials: { username: USER, password: wrong } }, { storageCache: false });
        const result = await c.engine.build(file, { target: "podman", builderOptions });
        expect(result.cached).toBe(false);
        expect(warnings(c.events)).toEqual(["W_REGISTRY_UNAVAILABLE", "W_REGISTRY_UNAVAILABLE"]);
        expect(c.events.find((e) => e.type === "warning")).toMatchObject({ message: expect.stringContaining("credentials were refused"), hint: expect.stringContaining("credentials") });
        expect(JSON.stringify(c.events)).not.toContain(wrong);
      });
    },
  );
});
