import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createEngine, type EngineEvent, type EnginePlugin } from "@envforge/core/plugin-kit";
import { pipPlugin } from "@envforge/plugin-pip";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runQuick } from "../cli/support.js";
import { expectExit, runCliProcess } from "../support/cli-process.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";
import { report, tmp } from "./support.js";

/**
 * A cache on a read-only filesystem (a tmpfs this test mounts and remounts read-only, as root)
 * answers hits — quick path and full path, with a named definition whose automatic registration
 * cannot write — with exit 0 and one W_CACHE_READ_ONLY warning; a miss fails with E_CACHE_IO
 * naming EROFS (not the ENOENT Node's recursive mkdir reports there).
 */
const probeMount = spawnSync("sh", ["-c", 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && mount -o remount,ro "$d" && umount "$d"; r=$?; rmdir "$d"; exit $r'], { encoding: "utf8" });
const venv = spawnSync("python3", ["-c", "import venv, ensurepip"]).status === 0;
const reason =
  probeMount.status !== 0
    ? `mounting a read-only tmpfs needs root (${(probeMount.stderr || "mount failed").trim().split("\n")[0]})`
    : venv
      ? undefined
      : "python3 with the venv and ensurepip modules is not installed";
if (reason && inCI) throw new Error(`the read-only cache tests need ${reason} in CI`);
warnSkip("read-only cache tests", reason);

let dir: string;
let cache: string;
let mounted = false;
let hitArgs: string[];
let missArgs: string[];
let wheels: string;

beforeAll(async () => {
  if (reason) return;
  dir = await tmp("read-only");
  cache = path.join(dir, "cache");
  mkdirSync(cache);
  const mount = spawnSync("mount", ["-t", "tmpfs", "-o", "size=128m", "tmpfs", cache], { encoding: "utf8" });
  if (mount.status !== 0) throw new Error(`mount: ${mount.stderr}`);
  mounted = true;
  wheels = path.join(dir, "wheels");
  await makeWheel(wheels, { name: "envforge-readonly", version: "1.0.0" });
  const file = path.join(dir, "env.yaml");
  writeFileSync(file, "name: ro-demo\npython:\n  pip:\n    - envforge-readonly==1.0.0\n");
  const other = path.join(dir, "other.yaml");
  writeFileSync(other, "python:\n  pip:\n    - envforge-readonly>=1.0\n");
  hitArgs = ["build", file, "--cache-dir", cache, "--find-links", wheels, "--no-index"];
  missArgs = ["build", other, "--cache-dir", cache, "--find-links", wheels, "--no-index"];
  // Populated by real builds (a venv, its source memo, the registration and its receipt)…
  expectExit(await runCliProcess(hitArgs, {}, 180_000), 0);
  expectExit(await runCliProcess(hitArgs, {}, 60_000), 0); // the receipt is written once the registry holds it
  // …then made read-only.
  const ro = spawnSync("mount", ["-o", "remount,ro", cache], { encoding: "utf8" });
  if (ro.status !== 0) throw new Error(`remount,ro: ${ro.stderr}`);
}, 300_000);

afterAll(() => {
  if (mounted) spawnSync("umount", ["-l", cache]);
});

const warnings = (stderr: string) => stderr.split("\n").filter((l) => l.includes("W_CACHE_READ_ONLY"));

describe.skipIf(reason)(titleWithReason("a read-only cache answers hits", reason), () => {
  it("an embedding host's engine: a hit answers (cached), the memo it cannot record is one warning per process, a backfill from a slower tier is skipped", { timeout: 60_000 }, async () => {
    const engine = createEngine({ cacheDir: cache, plugins: [pipPlugin()], pipelineId: "read-only-test/1" });
    const events: EngineEvent[] = [];
    engine.hooks.event.tap("test", (e) => events.push(e));
    const spec = { path: hitArgs[1]! };
    const first = await engine.build(spec, { target: "venv" });
    const second = await engine.build(spec, { target: "venv" });
    expect([first.cached, second.cached]).toEqual([true, true]);
    const readOnly = events.filter((e) => e.type === "warning" && e.code === "W_CACHE_READ_ONLY");
    expect(readOnly).toHaveLength(1);

    // A hit from a slower tier (a registry cache) is answered too: its backfill into the read-only
    // local tier is skipped, not an error.
    const remote: EnginePlugin = {
      name: "remote-tier",
      apply(e) {
        e.hooks.lookup.tap({ name: "remote-tier", stage: 20 }, (key) => ({ entry: { ...first.entry, hash: key.hash, target: key.target }, store: "remote" }));
      },
    };
    const layered = createEngine({ cacheDir: cache, plugins: [pipPlugin(), remote] });
    const fromRemote = await layered.build({ path: missArgs[1]! }, { target: "venv" });
    expect(fromRemote).toMatchObject({ cached: true, store: "remote" });
  });

  it("a hit of a named definition through the binary (quick path) and the full CLI: exit 0, the same output, one W_CACHE_READ_ONLY warning naming EROFS", { timeout: 120_000 }, async () => {
    const quick = await runCliProcess(hitArgs);
    const full = await runCliProcess(hitArgs, { ENVFORGE_QUICK: "0" });
    for (const [how, run] of [["quick", quick], ["full", full]] as const) {
      expectExit(run, 0);
      expect(run.stdout, how).toContain("status: cache hit (local)");
      expect(run.stdout, how).toContain("environment: ro-demo@1"); // the registered version, read back
      expect(warnings(run.stderr), how).toHaveLength(1);
      expect(warnings(run.stderr)[0], how).toContain("EROFS");
      expect(run.stderr, how).not.toMatch(/E_INTERNAL|internal error|not registered/);
    }
    expect(quick.stdout).toBe(full.stdout);
    expect(quick.stderr).toBe(full.stderr);
    // The quick path itself answered (it returns undefined when it leaves a run to the full CLI).
    const answered = await runQuick(hitArgs);
    expect(answered).toMatchObject({ code: 0, stdout: quick.stdout });
    report("read-only-hit", { quickMs: quick.ms, fullMs: full.ms, warning: warnings(full.stderr)[0] });
  });

  it("a miss is E_CACHE_IO naming EROFS (exit 2), with the read-only hint; --json carries the errno", { timeout: 120_000 }, async () => {
    const miss = await runCliProcess(missArgs);
    expectExit(miss, 2);
    expect(miss.stderr).toContain("E_CACHE_IO");
    expect(miss.stderr).toMatch(/EROFS: read-only file system/);
    expect(miss.stderr).toMatch(/hint: the cache folder is on a read-only filesystem/);
    const json = await runCliProcess([...missArgs, "--json"]);
    expectExit(json, 2);
    const { error } = JSON.parse(json.stdout) as { error: { code: string; details?: { errno?: string } } };
    expect(error).toMatchObject({ code: "E_CACHE_IO", details: { errno: "EROFS" } });
  });

  it("envforge register on a read-only cache is E_CACHE_IO naming EROFS (exit 2), not an internal error", { timeout: 60_000 }, async () => {
    const run = await runCliProcess(["register", hitArgs[1]!, "--version", "2", "--cache-dir", cache]);
    expectExit(run, 2);
    expect(run.stderr).toContain("E_CACHE_IO");
    expect(run.stderr).toContain("EROFS");
  });
});
