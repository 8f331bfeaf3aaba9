/**
 * Relative paths in builder options are the host's: `findLinks: ["./wheels"]` is read against the
 * engine's `baseDir` (the CLI's: its working folder), not the scratch folder in the cache where
 * pip runs. Real pip, wheels this test makes, a host folder that is not the cache's.
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createEngine } from "@envforge/core/plugin-kit";
import { pipPlugin } from "@envforge/plugin-pip";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli/support.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";

const probe = spawnSync("python3", ["-c", "import venv, ensurepip"], { encoding: "utf8" });
const reason = probe.status === 0 ? undefined : "python3 with the venv and ensurepip modules is not installed";
if (reason && inCI) throw new Error(`venv tests need ${reason.replace(" is not installed", "")} in CI`);
warnSkip("host-relative builder options", reason);

let host: string;
let definitions: string;

beforeAll(async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), "envforge-host-paths-"));
  // The host's folder holds the wheels; the definition lives elsewhere; the cache elsewhere again.
  host = path.join(root, "host");
  definitions = path.join(root, "definitions");
  await makeWheel(path.join(host, "wheels"), { name: "envforge-greeting", version: "1.2.0" });
  await mkdir(definitions, { recursive: true });
  await writeFile(path.join(definitions, "env.yaml"), "python:\n  pip: [envforge-greeting==1.2.0]\n");
  await writeFile(path.join(definitions, "other.yaml"), "name: other\npython:\n  pip: [envforge-greeting]\n");
});

describe.skipIf(reason !== undefined)(titleWithReason("builder options' relative paths against the host's baseDir", reason), () => {
  it("an engine with baseDir builds from ./wheels (miss, then hit)", async () => {
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), "envforge-host-cache-"));
    const engine = createEngine({ cacheDir, baseDir: host, plugins: [pipPlugin()] });
    expect(engine.baseDir).toBe(host);
    const request = { target: "venv", builderOptions: { pip: { findLinks: ["./wheels"], noIndex: true } } };
    const first = await engine.build({ path: path.join(definitions, "env.yaml") }, request);
    expect(first.cached).toBe(false);
    expect(first.entry.lock?.packages.map((p) => `${p.name}==${p.version}`)).toContain("envforge-greeting==1.2.0");
    const second = await engine.build({ path: path.join(definitions, "env.yaml") }, request);
    expect(second.cached).toBe(true);
  });

  it("the CLI reads -o pip.findLinks=./wheels against its working folder", async () => {
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), "envforge-host-cache-"));
    const out = await runCli(["build", path.join(definitions, "other.yaml"), "-o", "pip.findLinks=./wheels", "--no-index", "--no-register"], { cwd: host, env: { ENVFORGE_CACHE_DIR: cacheDir } });
    expect(out.code, out.stderr).toBe(0);
  });
});
