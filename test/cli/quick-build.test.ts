import { spawnSync } from "node:child_process";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/engine.js";
import { repoRoot } from "../support/paths.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";
import { runCli, runQuick } from "./support.js";

const probe = spawnSync("python3", ["-c", "import venv, ensurepip"], { encoding: "utf8" });
const reason = probe.status === 0 ? undefined : "python3 with the venv and ensurepip modules is not installed";
if (reason && inCI) throw new Error(`the quick-path build tests need ${reason.replace(" is not installed", "")} in CI`);
warnSkip("quick-path builds", reason);

const BIN = path.join(repoRoot, "packages", "cli", "bin", "envforge.js");

async function project(name?: string) {
  const dir = await tempDir("envforge-quickcli-");
  const wheels = path.join(dir, "wheels");
  await makeWheel(wheels, { name: "envforge-quick", version: "1.0.0" });
  await makeWheel(wheels, { name: "envforge-quick-extra", version: "2.0.0" });
  const file = path.join(dir, "env.yaml");
  writeFileSync(file, `${name ? `name: ${name}\n` : ""}python:\n  pip:\n    - envforge-quick==1.0.0\n    - envforge-quick-extra\n`);
  const cache = path.join(dir, "cache");
  const build = ["build", file, "--cache-dir", cache, "--find-links", wheels, "--no-index"];
  return { dir, file, cache, build };
}

/** The source memos' inodes: the full CLI rewrites a memo (rename) only when it changed, the quick path never does. */
function memoInodes(cache: string): number[] {
  return readdirSync(path.join(cache, "v1", "sources"), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => statSync(path.join(d.parentPath, d.name)).ino)
    .sort();
}

describe.skipIf(reason)(titleWithReason("envforge build: a cached build answered before the CLI loads (quick path)", reason), () => {
  it("prints exactly what the full CLI prints (warnings, hit line, summary) for an unnamed definition, and the binary takes it", { timeout: 120_000 }, async () => {
    const { cache, build } = await project();
    expect(await runQuick(build)).toBeUndefined(); // nothing built yet
    expect((await runCli(build)).code).toBe(0);

    for (const args of [build, [...build, "-q"], ["-q", ...build.slice(0, 2), "--target", "venv", ...build.slice(2)]]) {
      const inodes = memoInodes(cache);
      const quick = await runQuick(args);
      expect(quick, args.join(" ")).toBeDefined();
      expect(memoInodes(cache)).toEqual(inodes);
      const full = await runCli(args);
      expect(memoInodes(cache)).toEqual(inodes); // the full CLI found the same memo there: nothing to write
      expect(quick).toEqual(full);
    }
    const full = await runCli(build);
    expect(full.stderr).toContain("W_UNPINNED");
    expect(full.stdout).toContain("status: cache hit (local)");

    // The real binary: the same answer, without rewriting the memo (the full CLI would).
    const inodes = memoInodes(cache);
    const bin = spawnSync(process.execPath, [BIN, ...build], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expect(bin.status, bin.stderr).toBe(0);
    expect(bin.stdout).toBe(full.stdout);
    expect(bin.stderr).toBe(full.stderr);
    expect(memoInodes(cache)).toEqual(inodes);
  });

  it("leaves to the full CLI what it does not vouch for: --rebuild, -o, another target, --progress json, ENVFORGE_QUICK=0, a registry cache", { timeout: 120_000 }, async () => {
    const { build } = await project();
    expect((await runCli(build)).code).toBe(0);
    expect(await runQuick(build)).toBeDefined();
    // (--json is answered: quick-build-json.test.ts.)
    for (const extra of [["--rebuild"], ["-o", "pip.noIndex=true"], ["--target", "conda"], ["--timeout", "5"], ["--progress", "json"], ["--json", "--print-artifact-path"], ["--help"]]) {
      expect(await runQuick([...build, ...extra]), extra.join(" ")).toBeUndefined();
    }
    expect(await runQuick(build, { env: { ENVFORGE_QUICK: "0" } })).toBeUndefined();
    expect(await runQuick(build, { env: { ENVFORGE_REGISTRY_CACHE: "127.0.0.1:5000/cache" } })).toBeUndefined();
    expect(await runQuick(["build", "curated:python-3.11"])).toBeUndefined();
  });

  it("a named definition: answered while the registry is unchanged since a build registered it, with the same record", { timeout: 180_000 }, async () => {
    const { dir, cache, build } = await project("quick-demo");
    expect((await runCli(build)).code).toBe(0);
    const quick = await runQuick(build);
    expect(quick?.stdout).toContain("environment: quick-demo@1");
    expect(quick).toEqual(await runCli(build));

    // Another version registered under the name: the registry changed, so the full CLI decides
    // (it registers this definition again, as version 3) — then the quick path answers that.
    const other = path.join(dir, "other.yaml");
    writeFileSync(other, "name: quick-demo\npython:\n  pip:\n    - envforge-quick==1.0.0\n");
    expect((await runCli(["register", other, "--cache-dir", cache])).code).toBe(0);
    expect(await runQuick(build)).toBeUndefined();
    const full = await runCli(build);
    expect(full.stdout).toContain("environment: quick-demo@3");
    expect(await runQuick(build)).toEqual(await runCli(build));

    // --no-register: no record to print, nothing to check in the registry.
    const unregistered = await runQuick([...build, "--no-register"]);
    expect(unregistered).toEqual(await runCli([...build, "--no-register"]));
    expect(unregistered?.stdout).not.toContain("environment:");
  });
});
