import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { EnvforgeError, type EngineEvent } from "@envforge/core/plugin-kit";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir, testEngine } from "../support/engine.js";
import { makeWheel } from "../support/wheels.js";
import { runCli, runQuick } from "./support.js";

/**
 * A target builds all of a definition or is refused before anything is looked up; `--python-only`
 * is the one documented partial build (a venv from the Python part of a definition with an
 * image's sections); `details` shows what a build holds.
 */

let dir: string;
let wheels: string;
let pipOnly: string;
let withDocker: string;

beforeAll(async () => {
  dir = await tempDir("envforge-targets-");
  wheels = path.join(dir, "wheels");
  await makeWheel(wheels, { name: "envforge-greeting", version: "1.2.0" });
  pipOnly = path.join(dir, "pip-only.yaml");
  writeFileSync(pipOnly, "name: pip-only\npython:\n  pip:\n    - envforge-greeting==1.2.0\n");
  withDocker = path.join(dir, "with-docker.yaml");
  writeFileSync(withDocker, "name: with-docker\npython:\n  pip:\n    - envforge-greeting==1.2.0\ndocker:\n  baseImage: python:3.11-slim\n");
});

/** Events of the lookup stage: none may come before a target error. */
const lookups = (events: EngineEvent[]) => events.filter((e) => e.type === "cache.hit" || e.type === "cache.miss" || e.type === "lock.wait" || (e.type === "stage.start" && e.stage === "lookup") || e.type === "build.start");

describe("targets that fit the definition", () => {
  it("--target spark on a pip-only file names the dropped section, before any lookup event", async () => {
    const { engine, events } = await testEngine();
    const error = (await engine.build(pipOnly, { target: "spark" }).catch((e: unknown) => e)) as EnvforgeError;
    expect(error).toBeInstanceOf(EnvforgeError);
    expect(error).toMatchObject({ code: "E_TARGET_MISMATCH", field: "python.pip", location: { file: pipOnly, line: 3 }, details: { target: "spark", dropped: ["pip"] } });
    expect(error.message).toContain('the target "spark" cannot carry the section pip');
    expect(error.hint).toContain("venv");
    expect(lookups(events)).toEqual([]);
  });

  it("--target venv on a file with docker: names the docker section and offers --python-only, before any lookup event", async () => {
    const { engine, events } = await testEngine();
    const error = (await engine.build(withDocker, { target: "venv" }).catch((e: unknown) => e)) as EnvforgeError;
    expect(error).toMatchObject({ code: "E_TARGET_MISMATCH", field: "docker.baseImage", location: { file: withDocker, line: 6 }, details: { dropped: ["docker"] } });
    expect(error.hint).toContain("docker, podman");
    expect(error.hint).toContain("--python-only");
    expect(lookups(events)).toEqual([]);
    // A target that carries everything passes the check (the image build itself is not run here).
    expect(engine.checkTarget(await engine.resolve(withDocker), { target: "docker" })).toEqual({ leftOut: [] });
  });

  it("an unknown target is E_NO_BUILDER listing the known ones, before any lookup event", async () => {
    const { engine, events } = await testEngine();
    const error = (await engine.build(pipOnly, { target: "nope" }).catch((e: unknown) => e)) as EnvforgeError;
    expect(error).toMatchObject({ code: "E_NO_BUILDER" });
    expect(error.hint).toBe("known targets: conda, docker, podman, spark, venv");
    expect(lookups(events)).toEqual([]);
  });

  it("--python-only belongs to venv: on an image target it is an input error", async () => {
    const { engine, events } = await testEngine();
    const error = await engine.build(withDocker, { target: "docker", pythonOnly: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_INVALID_VALUE", field: "pythonOnly" });
    expect(lookups(events)).toEqual([]);
  });

  it("the CLI says the same: exit status, code and no 'cache miss' line", async () => {
    const cache = path.join(dir, "cache-cli-errors");
    const spark = await runCli(["build", pipOnly, "--target", "spark", "--cache-dir", cache]);
    expect(spark.code).not.toBe(0);
    expect(spark.stderr).toContain("E_TARGET_MISMATCH");
    expect(spark.stdout).not.toContain("built");
    const unknown = await runCli(["build", pipOnly, "--target", "nope", "--cache-dir", cache]);
    expect(unknown.stderr).toContain("E_NO_BUILDER");
    expect(`${unknown.stdout}${unknown.stderr}`).not.toMatch(/cache miss|building/);
  });

  it("curated:python-3.11 (a base image and a pip list) is refused as a venv, and planned with --python-only", async () => {
    const cache = path.join(dir, "cache-curated");
    const refused = await runCli(["build", "curated:python-3.11", "--target", "venv", "--dry-run", "--cache-dir", cache]);
    expect(refused.stderr).toContain("E_TARGET_MISMATCH");
    const planned = await runCli(["build", "curated:python-3.11", "--target", "venv", "--python-only", "--dry-run", "--cache-dir", cache]);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stderr).toContain("left out: docker");
    expect(planned.stdout).toContain("pip==24");
  });
});

describe("--python-only and details (a real venv)", () => {
  const cache = () => path.join(dir, "cache-python-only");
  const build = (...more: string[]) => runCli(["build", withDocker, "--target", "venv", "--cache-dir", cache(), "--find-links", wheels, "--no-index", ...more]);

  it("builds the Python part of a definition with a base image, says so, and a whole build is still refused", async () => {
    const built = await build("--python-only");
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toContain("W_PYTHON_ONLY");
    expect(built.stdout).toContain("python-only: the Python part of the definition (left out: docker)");
    const json = JSON.parse((await build("--python-only", "--json")).stdout) as { cached: boolean; entry: { artifact: { details: Record<string, unknown> } } };
    expect(json.cached).toBe(true);
    expect(json.entry.artifact.details).toMatchObject({ pythonOnly: true, leftOut: ["docker"] });
    const python = String(json.entry.artifact.details.python);
    expect(spawnSync(python, ["-c", "import envforge_greeting"]).status).toBe(0);

    // The entry (hash, venv) can only ever be the Python part: without the flag it is not served.
    const whole = await build();
    expect(whole.code).not.toBe(0);
    expect(whole.stderr).toContain("E_TARGET_MISMATCH");
    expect(await runQuick(["build", withDocker, "--target", "venv", "--cache-dir", cache()])).toBeUndefined();
  });

  it("details shows path, size, Python version, packages, lock summary, created, builder, generation and hash", async () => {
    expect((await build("--python-only")).code).toBe(0);
    const out = await runCli(["details", withDocker, "--target", "venv", "--json", "--cache-dir", cache()]);
    expect(out.code, out.stderr).toBe(0);
    const d = JSON.parse(out.stdout) as Record<string, unknown>;
    const version = spawnSync("python3", ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], { encoding: "utf8" }).stdout.trim();
    expect(d).toMatchObject({ target: "venv", name: "with-docker", generation: 1, builder: "pip", kind: "venv", pythonVersion: version, leftOut: ["docker"] });
    expect(d.hash).toMatch(/^efh1:[0-9a-f]{64}$/);
    expect(String(d.path)).toContain(cache());
    expect(d.sizeBytes).toBeGreaterThan(1_000_000);
    expect(d.packageCount).toBeGreaterThanOrEqual(2);
    expect((d.lock as Record<string, number>).pip).toBe(d.packageCount);
    expect(Number.isNaN(Date.parse(String(d.created)))).toBe(false);

    const text = await runCli(["details", withDocker, "--cache-dir", cache()]);
    for (const row of ["hash ", "target      venv", "path ", "size ", `python      ${version}`, "packages ", "lock        ", "created ", "builder     pip", "generation  1"]) expect(text.stdout).toContain(row);
    const missing = await runCli(["details", pipOnly, "--target", "venv", "--cache-dir", cache()]);
    expect(missing.stderr).toContain("E_NOT_FOUND");
  });
});
