import { describe, expect, it } from "vitest";
import { createEngine, EnvforgeError, type ActivationContext, type CacheEntry } from "@envforge/core/plugin-kit";
import { dockerActivation } from "./activate.js";
import { imageToRun } from "@envforge/image";
import { dockerPlugin } from "./plugin.js";

const ID = `sha256:${"ab".repeat(32)}`;
const HASH = `efh1:${"cd".repeat(32)}` as CacheEntry["hash"];

function entry(artifact: Partial<CacheEntry["artifact"]> = {}): CacheEntry {
  return {
    schema: 1,
    hash: HASH,
    target: "docker",
    generation: 1,
    builder: "docker",
    artifact: { kind: "docker-image", reference: `envforge/cache:${"cd".repeat(32)}`, digest: ID, ...artifact },
    timings: { startedAt: "", finishedAt: "", durationMs: 0 },
    canonicalText: "",
  };
}

function ctx(over: Partial<ActivationContext> = {}): ActivationContext {
  return { spec: undefined, variables: {}, options: {}, tty: false, runOptions: {}, ...over };
}

describe("docker activation", () => {
  it("runs the image by ID on the plugin's engine, never pulling, with an init; variables by name, values in env", () => {
    const a = dockerActivation(entry(), ctx({ variables: { GREETING: "hi; $(rm -rf /)", EMPTY: "" } }), { host: "unix:///x.sock" });
    expect(a.argvPrefix).toEqual(["docker", "--host", "unix:///x.sock", "run", "--rm", "-i", "--pull", "never", "--init", "--env=GREETING", "--env=EMPTY", ID]);
    expect(a.env).toEqual({ GREETING: "hi; $(rm -rf /)", EMPTY: "" });
    expect(a.argvPrefix!.join(" ")).not.toContain("rm -rf");
  });

  it("-t for a terminal; runInit=false and runNetwork from per-run builder options", () => {
    const a = dockerActivation(entry(), ctx({ tty: true, options: { docker: { runInit: "false", runNetwork: "none", context: "remote" } } }), {});
    expect(a.argvPrefix).toEqual(["docker", "--context", "remote", "run", "--rm", "-i", "-t", "--pull", "never", "--network=none", ID]);
    expect(() => dockerActivation(entry(), ctx({ options: { docker: { runNetwork: "x --privileged" } } }), {})).toThrow(EnvforgeError);
  });

  it("a name the docker CLI reads itself goes on the command line, with a note; a name with = is refused", () => {
    const a = dockerActivation(entry(), ctx({ variables: { DOCKER_HOST: "tcp://elsewhere", PATH: "/opt/x/bin:/usr/bin", A: "1" } }), {});
    expect(a.argvPrefix).toContain("--env=DOCKER_HOST=tcp://elsewhere");
    expect(a.argvPrefix).toContain("--env=PATH=/opt/x/bin:/usr/bin");
    expect(a.env).toEqual({ A: "1" });
    expect(a.notes?.join("\n")).toMatch(/DOCKER_HOST, PATH are passed into the container on the docker command line/);
    expect(() => dockerActivation(entry(), ctx({ variables: { "A=B": "1" } }), {})).toThrow(/cannot be passed into a docker container/);
  });

  it("--mount-cwd binds the working folder at the same path and works there; a comma or quote in it is CSV-quoted", () => {
    const a = dockerActivation(entry(), ctx({ runOptions: { mountCwd: true, cwd: '/tmp/a,b "c"' } }), {});
    expect(a.argvPrefix!.slice(-3)).toEqual(['--mount=type=bind,"source=/tmp/a,b ""c""","target=/tmp/a,b ""c"""', '--workdir=/tmp/a,b "c"', ID]);
  });

  it("says when the run's engine is not the one the image was built on", () => {
    const a = dockerActivation(entry({ details: { engine: "tcp://build-host:2375" } }), ctx(), { host: "unix:///x.sock" });
    expect(a.notes).toEqual(["the image was built on tcp://build-host:2375; this run uses unix:///x.sock"]);
  });

  it("the image: the ID when it is in the engine, the digest-pinned reference when only the registry has it", () => {
    expect(imageToRun(entry(), "docker")).toBe(ID);
    expect(imageToRun(entry({ reference: "localhost:5000/envforge/cache:abc", details: { pulled: false } }), "docker")).toBe(`localhost:5000/envforge/cache@${ID}`);
    expect(imageToRun(entry({ digest: undefined }), "docker")).toBe(`envforge/cache:${"cd".repeat(32)}`);
    expect(() => imageToRun(entry({ digest: undefined, reference: undefined }), "docker")).toThrow(/records no image to run/);
  });

  it("is what the engine's activate hook of the docker target answers", async () => {
    const engine = createEngine({ plugins: [dockerPlugin({ daemonCache: false })] });
    const a = await engine.hooks.activate.for("docker").promise(entry(), ctx());
    expect(a?.argvPrefix?.at(-1)).toBe(ID);
  });
});
