import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RunResult } from "../benchmarks/src/model.js";
import { runBenchmarks } from "../benchmarks/src/run.js";
import { repoRoot } from "./support/paths.js";

/**
 * Keeps `pnpm bench` working: every suite once, with tiny iteration counts and stores. No timing
 * is asserted — only that each suite measures envforge beside its peers and the limit and that
 * the three reports are written. The process suite runs compiled JavaScript (`tsc -b` builds it).
 */
const work = mkdtempSync(path.join(os.tmpdir(), "envforge-bench-smoke-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const built = ["benchmarks/dist/first-hit.js", "packages/cli/dist/main.js"].every((f) => existsSync(path.join(repoRoot, f)));
const mustRun = process.env.CI === "true";
if (!built && !mustRun) console.warn("benchmarks smoke: process suite skipped — run `npx tsc -b` first to build benchmarks/dist and packages/cli/dist");

async function smoke(suites: string): Promise<RunResult> {
  const out = path.join(work, suites.replace(/,/g, "-"));
  const { run, files } = await runBenchmarks(["--smoke", "--suites", suites, "--work-dir", path.join(out, "work"), "--out", out], {});
  expect(JSON.parse(readFileSync(files.json, "utf8"))).toMatchObject({ cases: expect.any(Array), targets: expect.any(Array) });
  expect(readFileSync(files.markdown, "utf8")).toMatch(/\| subject \| p50 \| p99 \|/);
  expect(readFileSync(files.chart, "utf8")).toMatch(/^<svg [^>]*>[\s\S]*<rect[\s\S]*<\/svg>\n$/);
  return run;
}

function expectMeasured(run: RunResult, suite: string): void {
  const cases = run.cases.filter((c) => c.suite === suite && !c.skipped);
  expect(cases.length).toBeGreaterThan(0);
  for (const c of cases) {
    expect(c.rows.some((r) => r.role === "envforge"), c.id).toBe(true);
    for (const r of c.rows) {
      expect(Number.isFinite(r.stats.p50) && r.stats.p50 > 0, `${c.id} ${r.subject}`).toBe(true);
      expect(r.stats.p99).toBeGreaterThanOrEqual(r.stats.p50 * 0.999);
    }
    const limit = c.rows.find((r) => r.role === "limit");
    if (limit) for (const r of c.rows.filter((x) => x.role !== "limit")) expect(r.ratioToLimit).toBeCloseTo(r.stats.p50 / limit.stats.p50, 6);
  }
}

describe("benchmarks smoke run (tiny counts, no timing assertions)", () => {
  it("hash: envforge beside four peers and the sha256 limit, cold (text and parsed) on the typical and the large spec, and the warm pool", async () => {
    const run = await smoke("hash");
    expectMeasured(run, "hash");
    expect(run.cases.map((c) => c.id)).toEqual(["hash-typical", "hash-typical-parsed", "hash-large", "hash-large-parsed", "hash-warm-typical", "hash-warm-large"]);
    const typical = run.cases.find((c) => c.id === "hash-typical")!;
    expect(typical.rows.map((r) => r.role)).toEqual(["envforge", "peer", "peer", "peer", "peer", "limit", "info", "info"]);
    expect(typical.rows.find((r) => r.role === "peer")!.subject).toMatch(/^yaml\.parse \+ /);
    const parsed = run.cases.find((c) => c.id === "hash-typical-parsed")!;
    expect(parsed.rows.map((r) => r.role)).toEqual(["envforge", "peer", "peer", "peer", "peer", "limit", "info", "info", "info"]);
    // The measurements that explain the parsed row's gap: the same calls with their data in cache, and the contract's sets alone.
    expect(parsed.rows.filter((r) => r.role === "info").map((r) => r.subject)).toEqual([
      "envforge hashParsed, the definition in cache",
      "safe-stable-stringify + sha256, the object in cache",
      "envforge: the contract's sets alone (canonicalSet of each)",
    ]);
    expect(run.cases.find((c) => c.id === "hash-warm-typical")!.rows.map((r) => r.role)).toEqual(["envforge", "peer", "peer", "peer", "peer", "limit"]);
    expect(run.targets.map((t) => t.id)).toEqual(["hash-typical:text", "hash-typical:parsed", "hash-large:text", "hash-large:parsed"]);
  }, 300_000);

  it("cache: stores filled in each layout answer through their own API; hit, miss, warm and put are measured", async () => {
    const run = await smoke("cache");
    expectMeasured(run, "cache");
    expect(run.cases.map((c) => c.id)).toEqual(["cache-hit-50", "cache-miss-50", "cache-warm-50", "cache-hit-200", "cache-miss-200", "cache-warm-200", "cache-put"]);
    for (const c of run.cases) expect(c.rows.map((r) => r.role)).toEqual(["envforge", "peer", "limit"]);
  }, 300_000);

  it("scaling: cold hash time per spec size and concurrent cached builds", async () => {
    const run = await smoke("scaling");
    expectMeasured(run, "scaling");
    expect(run.cases.find((c) => c.id === "scaling-hash-size")!.rows).toHaveLength(2);
    expect(run.targets.map((t) => t.id)).toEqual(["scaling:linear", "scaling:concurrency"]);
  }, 300_000);

  it.skipIf(!built && !mustRun)("process: first hit in a fresh process and a whole cached `envforge build`", async () => {
    const run = await smoke("process");
    expectMeasured(run, "process");
    const docker = run.cases.find((c) => c.id === "process-docker")!;
    expect(docker.skipped).toMatch(/disabled/);
    expect(run.cases.find((c) => c.id === "process-docker-hit")!.skipped).toMatch(/disabled/);
    expect(run.targets.find((t) => t.id === "process:hit-vs-docker")!.met).toBe("skipped");
  }, 300_000);

  it.skipIf(!built && !mustRun)("miss: a venv build of the example's wheels beside python3 -m venv + pip install", async () => {
    const run = await smoke("miss");
    const example = run.cases.find((c) => c.id === "miss-venv-example")!;
    if (example.skipped) return; // no python3 with venv here: the case says why
    expectMeasured(run, "miss");
    expect(example.rows.map((r) => r.role)).toEqual(["envforge", "peer", "info"]);
    expect(run.targets.map((t) => t.id)).toEqual(["miss:venv-vs-pip"]);
  }, 300_000);
});
