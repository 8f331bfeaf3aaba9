import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine, type CacheEntry } from "@envforge/core/plugin-kit";
import { condaPlugin } from "@envforge/plugin-conda";
import { dockerPlugin } from "@envforge/plugin-docker";
import { pipPlugin } from "@envforge/plugin-pip";
import { sparkPlugin } from "@envforge/plugin-spark";
import { check, PENALTY, unpinnedFromLines } from "@envforge/workspace";

const DIGEST = "sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b";

async function setup() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ef-check-"));
  const engine = createEngine({ cacheDir: path.join(dir, "cache"), plugins: [pipPlugin(), condaPlugin(), dockerPlugin(), sparkPlugin()] });
  const write = async (name: string, text: string) => {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
    return path.join(dir, name);
  };
  return { dir, engine, write };
}

function entryWithLock(hash: CacheEntry["hash"]): CacheEntry {
  return {
    schema: 1,
    hash,
    target: "venv",
    generation: 1,
    builder: "venv",
    artifact: { kind: "venv" },
    lock: { packages: [{ ecosystem: "pip", name: "requests", version: "2.32.3" }] },
    timings: { startedAt: "", finishedAt: "2026-01-01T00:00:00Z", durationMs: 1 },
    canonicalText: "",
  };
}

describe("check", () => {
  it("scores a fully pinned definition with a lock 100", async () => {
    const { engine, write } = await setup();
    const file = await write("env.yaml", `python:\n  pip: ["requests==2.32.3"]\ndocker:\n  baseImage: python:3.11-slim@${DIGEST}\n`);
    const { hash } = await engine.hash(file);
    const report = await check(engine, file, { entry: entryWithLock(hash), threshold: 90 });
    expect(report).toMatchObject({ score: 100, passed: true, findings: [], packages: { total: 1, pinned: 1 }, lockFrom: { target: "venv", generation: 1 } });
  });

  it("takes points off for each unpinned package (where it was written), a moving base image and no lock", async () => {
    const { engine, write } = await setup();
    await write("requirements.txt", "# deps\nnumpy>=1.26\nrich==13.7.1\n");
    const file = await write("env.yaml", `python:\n  pip: ["requests"]\n  pipRequirements: requirements.txt\ndocker:\n  baseImage: python:3.11-slim\n`);
    const report = await check(engine, file, { threshold: 60 });
    expect(report.findings.map((f) => [f.kind, f.name, f.penalty])).toEqual([
      ["unpinned-package", "requests", PENALTY.unpinnedPackage],
      ["unpinned-package", "numpy", PENALTY.unpinnedPackage],
      ["base-image-without-digest", undefined, PENALTY.baseImage],
      ["no-lock", undefined, PENALTY.noLock],
    ]);
    expect(report.findings[1]!.location).toMatchObject({ file: path.join(path.dirname(file), "requirements.txt"), line: 2 });
    expect(report.score).toBe(100 - 10 - 10 - 25 - 15);
    expect(report.passed).toBe(false);
    expect(report.packages).toEqual({ total: 3, pinned: 1, nested: 0 });
  });

  it("caps what unpinned packages can cost, so the score stays meaningful", async () => {
    const { engine, write } = await setup();
    const names = Array.from({ length: 9 }, (_, i) => `"pkg${i}"`).join(", ");
    const report = await check(engine, await write("env.yaml", `python:\n  pip: [${names}]\n`));
    expect(report.findings.filter((f) => f.kind === "unpinned-package")).toHaveLength(9);
    expect(report.score).toBe(100 - PENALTY.unpinnedPackagesMax - PENALTY.noLock);
  });

  it("judges conda MatchSpecs and Maven coordinates too; a constraint pin counts", async () => {
    const { engine, write } = await setup();
    await write("constraints.txt", "rich==13.7.1\n");
    await write("req.txt", "-c constraints.txt\nrich\n");
    const file = await write(
      "env.yaml",
      [
        "python:",
        "  conda:",
        "    dependencies: [\"numpy=1.26\", \"pandas==2.2.2\"]",
        "  pipRequirements: req.txt",
        "spark:",
        "  packages: [\"com.example:lib:1.0.0\"]",
      ].join("\n"),
    );
    const report = await check(engine, file);
    expect(report.findings.filter((f) => f.kind === "unpinned-package").map((f) => [f.ecosystem, f.name])).toEqual([["conda", "numpy"]]);
    expect(report.packages).toEqual({ total: 4, pinned: 3, nested: 0 });
  });

  it("finds the lock of a local build by itself", async () => {
    const { engine, write } = await setup();
    const file = await write("env.yaml", `python:\n  pip: ["requests==2.32.3"]\n`);
    const { hash } = await engine.hash(file);
    await engine.cache.local.put(entryWithLock(hash));
    expect((await check(engine, file)).findings).toEqual([]);
    expect((await check(engine, file, { target: "conda" })).findings.map((f) => f.kind)).toEqual(["no-lock"]);
  });

  it("reads FROM lines of a base Dockerfile: stages and scratch are fine, tags are not", async () => {
    expect(unpinnedFromLines(`FROM python:3.11@${DIGEST} AS build\nFROM build\nFROM scratch\nCOPY --from=build / /\n`)).toEqual([]);
    expect(unpinnedFromLines("FROM --platform=linux/amd64 debian:bookworm AS base\nFROM base\nFROM alpine\n")).toEqual(["debian:bookworm", "alpine"]);
    const { engine, write } = await setup();
    await write("Dockerfile", "FROM debian:bookworm\nRUN true\n");
    const report = await check(engine, await write("env.yaml", "docker:\n  baseDockerfile: Dockerfile\n"));
    expect(report.findings.map((f) => f.kind)).toEqual(["dockerfile-base-without-digest"]);
    expect(report.score).toBe(75);
  });
});
