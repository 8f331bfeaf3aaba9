/**
 * `envforge dockerfile` works offline and its output is complete: it never resolves Spark packages
 * (no Ivy, no request to a repository), it says what the build context holds, and `--context DIR`
 * writes every file the Dockerfile copies — with the same writer the image builders use — so that
 * `docker build DIR` builds it.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTinyRootfs } from "../support/base-image.js";
import { runCliProcess, expectExit } from "../support/cli-process.js";
import { setUpDocker } from "../support/docker-harness.js";
import { tempDir } from "../support/engine.js";
import { run } from "../support/processes.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";
import { runCli } from "../cli/support.js";

/** The sources of every COPY/ADD of a Dockerfile (flags and the destination left out). */
function copySources(dockerfile: string): string[] {
  return dockerfile
    .split("\n")
    .filter((line) => /^(COPY|ADD)\s/.test(line))
    .flatMap((line) => {
      const words = line.trim().split(/\s+/).slice(1).filter((w) => !w.startsWith("--"));
      return words.slice(0, -1);
    });
}

let dir: string;
let wheels: string;
let requests = 0;
let server: http.Server;
let repoUrl: string;

beforeAll(async () => {
  dir = await tempDir("envforge-dockerfile-");
  wheels = path.join(dir, "wheels");
  await makeWheel(wheels, { name: "envforge-hello", version: "1.0.0" });
  // A Maven repository that only counts: any request means the command went to the network.
  server = http.createServer((_req, res) => {
    requests++;
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  repoUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/maven2`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

function definition(name: string, spark: boolean): string {
  const file = path.join(dir, `${name}.yaml`);
  const lines = ["name: ctx-test", "docker:", "  baseImage: envforge-test-tiny:1", "python:", "  pip: [envforge-hello==1.0.0]"];
  if (spark) lines.push("spark:", `  repositories: ["${repoUrl}"]`, '  packages: ["com.example:app:1.0.0"]');
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

describe("envforge dockerfile: offline, with its build context", () => {
  it("pip + spark: --context writes every file the Dockerfile copies; no Ivy runs and the Spark repository gets no request", async () => {
    const context = path.join(dir, "context-spark");
    const out = await runCliProcess(
      ["dockerfile", definition("spark", true), "--context", context, "-o", `pip.findLinks=${wheels}`],
      // Ivy cannot start at all: resolving would fail the command.
      { ENVFORGE_IVY_JAR: path.join(dir, "no-such-ivy.jar") },
    );
    expectExit(out, 0);
    const dockerfile = readFileSync(path.join(context, "Dockerfile"), "utf8");
    expect(out.stdout).toBe(dockerfile);
    const sources = copySources(dockerfile);
    expect(sources).toEqual(expect.arrayContaining(["envforge/pip", "envforge/spark/conf/spark-defaults.conf"]));
    for (const source of sources) expect(existsSync(path.join(context, source)), `COPY ${source}`).toBe(true);
    expect(existsSync(path.join(context, "envforge/pip/requirements.txt"))).toBe(true);
    expect(existsSync(path.join(context, "envforge/pip/wheels/0/envforge_hello-1.0.0-py3-none-any.whl"))).toBe(true);
    // The jars are left to Spark, and the Dockerfile says so.
    expect(dockerfile).not.toContain("COPY envforge/spark/jars");
    expect(dockerfile).toContain("# envforge: spark.precache is on.");
    // It differs from the build: an image built from it by hand must not pass for the cached one.
    expect(dockerfile).toContain("LABEL dev.envforge.offline-of=");
    expect(dockerfile).not.toContain("dev.envforge.hash=");
    expect(readFileSync(path.join(context, "envforge/spark/conf/spark-defaults.conf"), "utf8")).toContain("spark.jars.packages com.example:app:1.0.0");
    expect(out.stderr).toContain("W_SPARK_NOT_PRECACHED");
    expect(out.stderr).toContain(`wrote the build context to ${context}`);
    expect(requests).toBe(0);
  });

  it("without --context: the Dockerfile on stdout, what its build context holds on stderr", async () => {
    const out = await runCli(["dockerfile", definition("pip", false), "-o", `pip.findLinks=${wheels}`]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^FROM docker\.io\/library\/envforge-test-tiny:1\n/);
    expect(out.stdout).toContain("COPY envforge/pip /envforge/pip");
    // Nothing differs from the build here: the image carries the hash the daemon store looks for.
    expect(out.stdout).toContain("LABEL dev.envforge.hash=");
    expect(out.stderr).toContain("write them with --context DIR");
    expect(out.stderr).toMatch(/envforge\/pip\/requirements\.txt \(\d+ bytes\)/);
    expect(out.stderr).toContain(`envforge/pip/wheels/0/ (folder, from ${wheels})`);

    const json = await runCli(["dockerfile", definition("pip", false), "--json"]);
    const data = JSON.parse(json.stdout) as { context: { path: string; kind: string }[]; contextDir: string | null };
    expect(data.context).toEqual([expect.objectContaining({ path: "envforge/pip/requirements.txt", kind: "file" })]);
    expect(data.contextDir).toBeNull();
  });

  it("refuses a folder that is not empty; --force replaces the Dockerfile and envforge/ so nothing stale stays", async () => {
    const context = path.join(dir, "context-used");
    await mkdir(path.join(context, "envforge/pip/wheels/0"), { recursive: true });
    writeFileSync(path.join(context, "envforge/pip/wheels/0/stale-9.9-py3-none-any.whl"), "old");
    writeFileSync(path.join(context, "notes.txt"), "mine");
    const refused = await runCli(["dockerfile", definition("pip", false), "--context", context]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("E_CONFLICT");
    expect(refused.stderr).toContain("--force");
    expect(existsSync(path.join(context, "Dockerfile"))).toBe(false);

    const forced = await runCli(["dockerfile", definition("pip", false), "--context", context, "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(existsSync(path.join(context, "Dockerfile"))).toBe(true);
    expect(existsSync(path.join(context, "envforge/pip/requirements.txt"))).toBe(true);
    expect(existsSync(path.join(context, "envforge/pip/wheels/0")), "a stale wheel pip would find").toBe(false);
    expect(readFileSync(path.join(context, "notes.txt"), "utf8")).toBe("mine");
  });
});

/**
 * `python3` for a shell-only image: `-m venv DIR` makes DIR/bin/python (this script), and
 * `-m pip install … -r FILE` prints FILE and lists the wheels of each --find-links folder, so a
 * file missing from the build context fails the build as real pip would — without the Debian
 * base, whose every layer is a 200 MB copy on vfs storage.
 */
const FAKE_PYTHON = `#!/bin/sh
set -e
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then mkdir -p "$3/bin"; cp "$0" "$3/bin/python"; exit 0; fi
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
  shift 2
  while [ $# -gt 0 ]; do
    case "$1" in
      -r) echo "requirements from $2:"; cat "$2"; shift 2 ;;
      --find-links) echo "wheels in $2:"; ls "$2"/*.whl; shift 2 ;;
      *) shift ;;
    esac
  done
  exit 0
fi
echo "fake python3: unexpected arguments: $*" >&2
exit 1
`;

async function tinyPythonRootfs(where: string): Promise<string> {
  const tarball = await makeTinyRootfs(where, ["cat", "ls", "mkdir", "cp"]);
  const stage = path.join(where, "stage");
  await mkdir(path.join(stage, "bin"), { recursive: true });
  writeFileSync(path.join(stage, "bin", "python3"), FAKE_PYTHON, { mode: 0o755 });
  await run("tar", ["-rf", tarball, "-C", stage, "./bin/python3"]);
  return tarball;
}

const tinyDir = await tempDir("envforge-dockerfile-tiny-");
const tiny = await tinyPythonRootfs(tinyDir).catch((cause: Error) => cause);
const setup =
  tiny instanceof Error
    ? ({ ok: false, reason: `cannot make a shell-only root filesystem: ${tiny.message}` } as const)
    : await setUpDocker({ base: { name: "envforge-test-tiny:1", rootfs: tiny } });
const missing = setup.ok ? undefined : setup.reason;
warnSkip("docker build of a written build context", missing);

afterAll(async () => {
  if (setup.ok) await setup.dockerd.stop();
  await rm(tinyDir, { recursive: true, force: true });
});

describe.runIf(inCI && missing !== undefined)("docker build of a written build context in CI", () => {
  it("dockerd must be available when CI=true", () => {
    throw new Error(`cannot run: ${missing}`);
  });
});

describe.skipIf(missing !== undefined)(titleWithReason("docker build of a context written by envforge dockerfile --context", missing), () => {
  it("docker build DIR of a pip + spark definition succeeds with the copied requirements, wheels and Spark configuration", { timeout: 300_000 }, async () => {
    const { dockerd } = setup as Extract<typeof setup, { ok: true }>;
    const context = path.join(dir, "context-build");
    const out = await runCli(["dockerfile", definition("spark-build", true), "--context", context, "-o", `pip.findLinks=${wheels}`]);
    expect(out.code, out.stderr).toBe(0);
    const built = await run("docker", ["--host", dockerd.host, "build", "--network", "none", "--tag", "envforge-context-test:1", context], {
      env: { ...process.env, DOCKER_BUILDKIT: "0" },
      allowFailure: true,
      timeoutMs: 240_000,
    });
    const log = `${built.stdout}\n${built.stderr}`;
    expect(built.code, log).toBe(0);
    expect(log).toContain("requirements from /envforge/pip/requirements.txt:");
    expect(log).toContain("envforge-hello==1");
    expect(log).toContain("/envforge/pip/wheels/0/envforge_hello-1.0.0-py3-none-any.whl");
    const conf = await dockerd.docker(["run", "--rm", "--network", "none", "envforge-context-test:1", "cat", "/opt/envforge/spark/conf/spark-defaults.conf"]);
    expect(conf.stdout).toContain("spark.jars.packages com.example:app:1.0.0");
    const labels = await dockerd.docker(["image", "inspect", "--format", "{{json .Config.Labels}}", "envforge-context-test:1"]);
    const parsed = JSON.parse(labels.stdout) as Record<string, string>;
    expect(parsed["dev.envforge.hash"], "the daemon store must not take it for the cached build").toBeUndefined();
    expect(parsed["dev.envforge.offline-of"]).toMatch(/^efh1:/);
    expect(requests).toBe(0);
  });
});
