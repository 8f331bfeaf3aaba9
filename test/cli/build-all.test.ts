/**
 * `envforge build-all` on real docker engines: two private dockerd daemons, each on its own
 * socket, plus a lane whose engine does not exist. Each distinct hash builds once, each image is
 * on the engine the summary names, the dead lane's builds move, and a definition's own failure
 * stays failed (exit 2).
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectExit, runCliProcess } from "../support/cli-process.js";
import { setUpDocker } from "../support/docker-harness.js";
import { importBaseImage, makeTinyRootfs } from "../support/base-image.js";
import { startDockerd, type Dockerd } from "../support/dockerd.js";
import { tempDir } from "../support/engine.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { runCli } from "./support.js";

const BASE = "envforge-test-tiny:batch";

interface Summary {
  ok: boolean;
  totals: { items: number; distinct: number; built: number; hit: number; failed: number };
  lanes: Array<{ name: string; built: number; failed: number; busyMs: number; down?: { code: string } }>;
  items: Array<{ ref: string; hash?: string; status: string; lane?: string; movedFrom?: string[]; error?: { code: string }; artifact?: { reference?: string } }>;
}

describe("build-all: input checks", () => {
  it("refuses a host that is not an engine URL, a concurrency below 1, and a target that is not an image", async () => {
    const dir = await tempDir("envforge-batch-");
    await writeFile(path.join(dir, "a.yaml"), `docker:\n  baseImage: ${BASE}\n`);
    for (const args of [["--hosts", "localhost:2375"], ["--concurrency", "0"], ["--concurrency", "two"]]) {
      const out = await runCli(["build-all", "a.yaml", "-t", "docker", ...args], { cwd: dir });
      expect(out.code, out.stderr).toBe(1);
      expect(out.stderr).toMatch(/E_INVALID_VALUE/);
    }
    const venv = await runCli(["build-all", "a.yaml", "-t", "venv"], { cwd: dir });
    expect(venv.code).toBe(1);
    expect(venv.stderr).toMatch(/docker, podman/);
  });
});

const tinyDir = await tempDir("envforge-batch-root-");
const tiny = await makeTinyRootfs(tinyDir, ["cat"]).catch((cause: Error) => cause);
const setup =
  tiny instanceof Error ? ({ ok: false, reason: `cannot make a shell-only root filesystem: ${tiny.message}` } as const) : await setUpDocker({ base: { name: BASE, rootfs: tiny } });
/** The second machine's engine: another daemon, its own socket and image store. */
let other: Dockerd | undefined;
const otherReason = await (async () => {
  if (!setup.ok || tiny instanceof Error) return undefined;
  try {
    other = await startDockerd();
    await importBaseImage(["docker", "--host", other.host], BASE, process.env, tiny);
    return undefined;
  } catch (cause) {
    return `a second dockerd cannot start here: ${(cause as Error).message.split("\n")[0]}`;
  }
})();
const missing = setup.ok ? otherReason : setup.reason;
if (missing && inCI) throw new Error(`CI must run dockerd: ${missing}`);
warnSkip("build-all on docker", missing);

afterAll(async () => {
  await other?.stop();
  if (setup.ok) await setup.dockerd.stop();
});

describe.skipIf(missing !== undefined)(titleWithReason("build-all over docker engines", missing), () => {
  const { dockerd, dir } = setup as Extract<typeof setup, { ok: true }>;
  const env = { DOCKER_HOST: dockerd.host };
  const define = async (name: string, step: string) => {
    const file = path.join(dir, `${name}.yaml`);
    await writeFile(file, `name: ${name}\ndocker:\n  baseImage: ${BASE}\n  steps:\n    - ${step}\n`);
    return file;
  };
  const common = ["-t", "docker", "-o", "docker.network=none", "--cache-dir", path.join(dir, "cache"), "--json", "--progress", "plain"];

  it("each distinct hash builds once, spread over the live lanes; the dead lane's builds move; a failing definition stays failed", { timeout: 300_000 }, async () => {
    const [a, b, c, bad] = [await define("a", "RUN echo a > /a"), await define("b", "RUN echo b > /b"), await define("c", "RUN echo c > /c"), await define("bad", "RUN exit 3")];
    const dead = `unix://${path.join(dir, "no-such-engine.sock")}`;
    const hosts = [dead, dockerd.host, other!.host].join(",");
    const run = await runCliProcess(["build-all", a, b, a, c, bad, "--hosts", hosts, "--concurrency", "2", ...common], env, 240_000);
    expectExit(run, 2);
    const out = JSON.parse(run.stdout) as Summary;
    expect(out.totals).toEqual({ items: 5, distinct: 4, built: 4, hit: 0, failed: 1 });
    const [deadLane, ...live] = out.lanes;
    expect(deadLane!.down?.code).toBeDefined();
    expect(deadLane!.built).toBe(0);
    // Three builds, on the live lanes only; a and its duplicate share one image.
    expect(live.reduce((n, l) => n + l.built, 0)).toBe(3);
    expect(live.every((l) => l.down === undefined)).toBe(true);
    // Both daemons took work: the moved builds went to the one that was free.
    expect(live.every((l) => l.built + l.failed > 0)).toBe(true);
    expect(out.items[0]!.artifact?.reference).toBe(out.items[2]!.artifact?.reference);
    // The dead lane got work first (lanes start in order) and handed it on.
    expect(out.items.some((i) => i.movedFrom?.includes(deadLane!.name))).toBe(true);
    // Each image is in the engine the summary says built it.
    for (const item of out.items.filter((i) => i.status === "built")) {
      const engine = item.lane === dockerd.host ? dockerd : other!;
      const listed = await engine.docker(["image", "ls", "--quiet", "--filter", `label=dev.envforge.hash=${item.hash}`]);
      expect(listed.stdout.trim(), `${item.ref} on ${item.lane}`).not.toBe("");
    }
    const failed = out.items.find((i) => i.status === "failed")!;
    expect(failed.ref).toBe(bad);
    expect(failed.error?.code).toBe("E_BUILD_FAILED");
    expect(live.map((l) => l.name)).toContain(failed.lane);
  });
});
