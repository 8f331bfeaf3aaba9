/**
 * `--coordinator` / ENVFORGE_COORDINATOR: the pairing with the registry cache is checked before
 * anything runs; credentials come only from the environment and never show; a command that used
 * the coordinator exits by itself (its connection is closed when the command ends).
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectExit, runCliProcess } from "../support/cli-process.js";
import { tempDir } from "../support/engine.js";
import { redisUnavailable, startRedis, type TestRedis } from "../support/redis.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { runCli } from "./support.js";

const PASSWORD = "coord-secret-51c9";
const reason = await redisUnavailable();
if (reason && inCI) throw new Error(`CI must have redis-server: ${reason}`);
warnSkip("the CLI's coordinator tests", reason);

async function definition(): Promise<{ dir: string; file: string }> {
  const dir = await tempDir("envforge-coordinator-");
  const file = path.join(dir, "env.yaml");
  await writeFile(file, "name: coordinated\ndocker:\n  baseImage: busybox:stable\n  steps:\n    - RUN echo one > /one\n");
  return { dir, file };
}

describe("--coordinator: input checks", () => {
  it("without a registry cache it is a usage error naming both flags (the flag and the variable alike)", async () => {
    const { dir, file } = await definition();
    for (const [args, env] of [
      [["--coordinator", "redis://127.0.0.1:1"], {}],
      [[], { ENVFORGE_COORDINATOR: "redis://127.0.0.1:1" }],
    ] as const) {
      const out = await runCli(["build", file, "-t", "docker", "--json", ...args], { cwd: dir, env: { ENVFORGE_REGISTRY_CACHE: "", ...env } });
      expect(out.code, out.stderr).toBe(1);
      const error = (JSON.parse(out.stdout) as { error: { code: string; message: string; hint: string } }).error;
      expect(error.code).toBe("E_INVALID_VALUE");
      expect(`${error.message} ${error.hint}`).toMatch(/--coordinator/);
      expect(`${error.message} ${error.hint}`).toMatch(/--registry-cache/);
    }
  });

  it("a URL carrying credentials is refused, and the password is not echoed", async () => {
    const { dir, file } = await definition();
    const out = await runCli(["build", file, "-t", "docker", "--coordinator", `redis://u:${PASSWORD}@127.0.0.1:1`, "--registry-cache", "127.0.0.1:1/cache"], { cwd: dir });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/carries credentials/);
    expect(out.stderr).toMatch(/ENVFORGE_COORDINATOR_PASSWORD/);
    expect(out.stdout + out.stderr).not.toContain(PASSWORD);
  });

  it("--help and the environment section name the flag and its variables", async () => {
    const out = await runCli(["--help"]);
    expect(out.stdout).toMatch(/--coordinator <redis-url>/);
    for (const name of ["ENVFORGE_COORDINATOR ", "ENVFORGE_COORDINATOR_USERNAME", "ENVFORGE_COORDINATOR_PASSWORD"]) expect(out.stdout).toContain(name);
  });
});

describe.skipIf(reason !== undefined)(titleWithReason("--coordinator against a real Redis", reason), () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD });
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("a build takes its lease in Redis (password from the environment), the password never shows, and the process exits by itself", { timeout: 120_000 }, async () => {
    const { dir, file } = await definition();
    // An engine that does not exist: the lease is taken, then the build fails (exit 2). The
    // password is put where the failure names it (the host), to see it masked there too.
    const host = `unix://${path.join(dir, `no-engine-${PASSWORD}.sock`)}`;
    const run = await runCliProcess(
      ["build", file, "-t", "docker", "-o", `docker.host=${host}`, "--progress", "json", "--coordinator", redis.url, "--registry-cache", "127.0.0.1:1/cache", "--registry-insecure", "--cache-dir", path.join(dir, "cache")],
      { ENVFORGE_COORDINATOR_PASSWORD: PASSWORD, ENVFORGE_REGISTRY_CACHE: "" },
    );
    // Exited by itself (not killed at the deadline): the coordinator's connection did not keep it alive.
    expectExit(run, 2);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
    expect(run.stderr).toContain("***");
    const client = new Redis(redis.url, { password: PASSWORD, lazyConnect: true });
    await client.connect();
    try {
      // The lease's fencing counter moved: the coordinator was asked before the build.
      expect(Number(await client.get("envforge:fence"))).toBeGreaterThanOrEqual(1);
      // …and the lease was released when the build failed.
      expect(await client.keys("envforge:lease:*")).toEqual([]);
    } finally {
      client.disconnect();
    }
    expect(run.stderr).not.toMatch(/W_REDIS_UNREACHABLE/);
  });
});
