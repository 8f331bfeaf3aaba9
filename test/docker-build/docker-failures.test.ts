import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine, EnvforgeError, type EngineEvent } from "@envforge/core/plugin-kit";
import { LABEL_CANONICAL, LABEL_HASH } from "@envforge/image";
import { dockerPlugin } from "@envforge/plugin-docker";
import { BASE_IMAGE, dockerSpy, legacyBuildkitCli, setUpDocker } from "../support/docker-harness.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";

const setup = await setUpDocker();
const reason = setup.ok ? undefined : setup.reason;
warnSkip("real docker builds (failures, hostile input, credentials)", reason);

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

describe.skipIf(!setup.ok)(titleWithReason("docker builder against a real dockerd: failures and hostile input", reason), () => {
  const { dockerd, dir } = setup as Extract<typeof setup, { ok: true }>;
  let n = 0;
  const envFile = (yaml: string) => {
    const d = path.join(dir, `env-${++n}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, "env.yaml"), yaml);
    return path.join(d, "env.yaml");
  };
  const makeEngine = (dockerPath?: string) => {
    const engine = createEngine({ plugins: [dockerPlugin({ host: dockerd.host, dockerPath })], cacheDir: path.join(dir, `cache-${++n}`) });
    const events: EngineEvent[] = [];
    engine.hooks.event.tap("test", (e) => events.push(e));
    return { engine, events };
  };

  it("a failed RUN step is a clear E_BUILD_FAILED with that step's output, and leaves no cache entry", { timeout: 600_000 }, async () => {
    const file = envFile(
      `name: broken\ndocker:\n  baseImage: ${BASE_IMAGE}\n  steps:\n    - RUN echo fine-before\n    - RUN echo boom-output-line && echo boom-on-stderr >&2 && exit 7\n    - RUN echo never-reached\n`,
    );
    const { engine } = makeEngine();
    const { hash } = await engine.hash(file);
    let error: unknown;
    try {
      await engine.build(file, { target: "docker", builderOptions: { docker: { network: "none" } } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvforgeError);
    const e = error as EnvforgeError;
    expect(e.code).toBe("E_BUILD_FAILED");
    expect(e.message).toContain("RUN echo boom-output-line && echo boom-on-stderr >&2 && exit 7");
    expect(e.message).toContain("exit code 7");
    expect(e.message).toContain("boom-output-line");
    expect(e.message).toContain("boom-on-stderr");
    expect(e.message).not.toContain("fine-before");
    expect(e.details).toMatchObject({ exitCode: 7 });
    expect(e.hint).toMatch(/nothing was cached/);
    expect((await engine.cache.local.get({ hash, target: "docker" })).entry).toBeUndefined();
    expect(await engine.lookup(hash, "docker")).toBeUndefined();
    const labelled = await dockerd.docker(["image", "ls", "-q", "--filter", `label=${LABEL_HASH}=${hash}`]);
    expect(labelled.stdout.trim()).toBe("");
  });

  it("a base image the engine does not have fails with the engine's message", { timeout: 600_000 }, async () => {
    const file = envFile("docker:\n  baseImage: envforge-test/does-not-exist:1\n");
    const { engine } = makeEngine();
    await expect(engine.build(file, { target: "docker", builderOptions: { docker: { network: "none" } } })).rejects.toMatchObject({
      code: "E_BUILD_FAILED",
      message: expect.stringMatching(/does-not-exist/),
    });
  });

  it("hostile build arguments and labels stay data (BuildKit when available); credentials never leak", { timeout: 600_000 }, async () => {
    const evil = "$(touch /pwned1)`touch /pwned2`;touch /pwned3 \"'\\\nline2 $HOME";
    const secret = "s3cr3t-Token-for-registry-XYZ";
    const yaml = [
      "name: hostile",
      "docker:",
      `  baseImage: ${BASE_IMAGE}`,
      "  buildArgs:",
      `    EVIL: ${JSON.stringify(evil)}`,
      "  steps:",
      "    - RUN printf '%s' \"$EVIL\" > /evil",
      "    - LABEL note=\"$EVIL\"",
      "",
    ].join("\n");
    const file = envFile(yaml);
    const cli = await legacyBuildkitCli();
    const spy = dockerSpy(dir, cli ?? "docker");
    const { engine, events } = makeEngine(spy.path);
    const builderOptions = { docker: { network: "none", registry: "registry.example:5000", username: "robot", password: secret } };
    const { hash, canonicalText } = await engine.hash(file);
    const result = await engine.build(file, { target: "docker", builderOptions });
    expect(result.cached).toBe(false);
    if (cli) expect(result.entry.artifact.details).toMatchObject({ buildkit: true });
    const ref = result.entry.artifact.reference!;

    const content = await dockerd.docker(["run", "--rm", "--network", "none", ref, "cat", "/evil"]);
    expect(content.stdout).toBe(evil);
    const pwned = await dockerd.docker(["run", "--rm", "--network", "none", ref, "sh", "-c", "ls /pwned1 /pwned2 /pwned3 2>/dev/null | wc -l"]);
    expect(pwned.stdout.trim()).toBe("0");

    const labels = JSON.parse((await dockerd.docker(["image", "inspect", "--format", "{{json .Config.Labels}}", ref])).stdout) as Record<string, string>;
    expect(labels[LABEL_HASH]).toBe(hash);
    expect(labels[LABEL_CANONICAL]).toBe(canonicalText);

    // Credentials: not in the hash, the log, the events, the labels, the history or a layer.
    expect((await engine.hash(file)).hash).toBe(hash);
    expect(readFileSync(result.entry.logPath!, "utf8")).not.toContain(secret);
    expect(JSON.stringify(events)).not.toContain(secret);
    expect(JSON.stringify(labels)).not.toContain(secret);
    const history = await dockerd.docker(["history", "--no-trunc", ref]);
    expect(history.stdout).not.toContain(secret);
    const grep = await dockerd.docker(["run", "--rm", "--network", "none", ref, "sh", "-c", `grep -rl ${secret} / --exclude-dir=proc --exclude-dir=sys 2>/dev/null | wc -l`]);
    expect(grep.stdout.trim()).toBe("0");
    expect(spy.calls().join("\n")).not.toContain(secret);
  });
});
