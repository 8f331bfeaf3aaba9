import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { EnvforgeError, LockedDistribution } from "@envforge/core/plugin-kit";
import { lockedRequirementsText } from "@envforge/python";
import { describe, expect, it } from "vitest";
import { condaEngine, rejection, stubLockPlugin, tempDir } from "./testing/helpers.js";
import { fakeTool, makeWheel } from "./testing/fake-tool.js";

/**
 * The conda target's pip part with a lock that has pip entries: the locked files are installed
 * `--no-deps --require-hashes` by the prefix's own pip (the stand-in tool makes the prefix a real
 * venv, so pip really runs, against real wheels), after the lock is checked against the
 * requirements. The lock reaches the builder as the canonical `lock` section; a stub declares it.
 */

async function setup() {
  const tool = await fakeTool("micromamba");
  const wheels = await tempDir();
  const wheel = await makeWheel(wheels, "hello_envforge", "1.0");
  // A newer release beside it: a resolution would take it, the lock must not.
  await makeWheel(wheels, "hello_envforge", "1.1");
  const sha256 = createHash("sha256").update(readFileSync(wheel)).digest("hex");
  const locked: LockedDistribution = { name: "hello-envforge", version: "1.0", file: path.basename(wheel), sha256 };
  const { engine, events } = await condaEngine({ engine: { plugins: [stubLockPlugin] } });
  const definition = (requirement: string, pip: LockedDistribution[]) => ({
    object: {
      python: { conda: { channels: ["conda-forge"], dependencies: ["numpy=1.26", { pip: [requirement] }] } },
      testLock: { version: 1, platform: "linux-x86_64", pip },
    },
  });
  const request = { target: "conda", builderOptions: { conda: { tool: tool.path, env: { FAKE_CONDA_LOG: tool.log } }, pip: { noIndex: true, findLinks: [wheels] } } };
  return { engine, events, definition, request, locked, wheels };
}

const commandLines = (events: Array<{ type: string }>) =>
  events.filter((e) => e.type === "log").map((e) => (e as unknown as { line: string }).line).filter((l) => l.startsWith("$ "));

describe("conda target, pip part from the lock", () => {
  it("installs the locked files --no-deps --require-hashes, not the newest release", { timeout: 180_000 }, async () => {
    const { engine, events, definition, request, locked, wheels } = await setup();
    const built = await engine.build(definition("hello_envforge>=1.0", [locked]), request);
    const prefix = built.entry.artifact.path!;
    const python = path.join(prefix, "bin", "python");
    expect(execFileSync(python, ["-c", "import hello_envforge; print(hello_envforge.VERSION)"], { encoding: "utf8" }).trim()).toBe("1.0");
    expect(built.entry.artifact.details).toMatchObject({ pipFromLock: 1 });
    const install = commandLines(events).find((l) => l.includes(" install "))!;
    expect(install).toMatch(/ -m pip install --no-input --disable-pip-version-check --no-deps --require-hashes -r \S+\/locked-requirements\.txt /);
    expect(install).toContain(`--no-index --find-links ${wheels}`);
    expect(install).not.toContain("--requirement");
    // What that file holds (written by the shared @envforge/python helper, as for the venv target).
    expect(lockedRequirementsText([locked])).toBe(`hello-envforge==1.0 --hash=sha256:${locked.sha256}\n`);
  });

  it("fails naming the package whose file does not match the lock's sha256", { timeout: 180_000 }, async () => {
    const { engine, definition, request, locked } = await setup();
    const e = (await rejection(engine.build(definition("hello_envforge>=1.0", [{ ...locked, sha256: "0".repeat(64) }]), request))) as EnvforgeError;
    expect(e.code).toBe("E_BUILD_FAILED");
    expect(e.message).toContain("hello-envforge 1.0 (hello_envforge-1.0-py3-none-any.whl)");
    expect(e.message).toContain("sha256");
  });

  it("refuses a lock that no longer satisfies a requirement, naming it, and installs nothing", { timeout: 180_000 }, async () => {
    const { engine, events, definition, request, locked } = await setup();
    const e = (await rejection(engine.build(definition("hello_envforge>=1.1", [locked]), request))) as EnvforgeError;
    expect(e.code).toBe("E_LOCK_MISMATCH");
    expect(e.message).toContain("hello_envforge>=1.1 (locked: 1.0)");
    expect(commandLines(events).filter((l) => l.includes(" install "))).toEqual([]);
  });
});
