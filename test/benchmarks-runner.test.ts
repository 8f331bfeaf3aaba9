import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { withRatios, type CaseResult, type RunResult } from "../benchmarks/src/model.js";
import { main } from "../benchmarks/src/run.js";
import { dockerTarget } from "../benchmarks/src/suites/process.js";
import { unmet } from "../benchmarks/src/targets.js";
import { testEngine } from "./support/engine.js";
import { realWorldDir, repoRoot } from "./support/paths.js";
import { inCI } from "./support/skip.js";

/**
 * The benchmark runner as a command: what --help, a refused command line, --out, --update-docs,
 * targets, --spec and --store do. Runs are --smoke runs of one suite (a second or a few); no
 * timing is asserted, only exit statuses, what is written where, and which rows exist.
 */
const work = mkdtempSync(path.join(os.tmpdir(), "envforge-bench-runner-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const RUNNER = path.join(repoRoot, "benchmarks", "dist", "run.js");
const built = existsSync(RUNNER);
if (!built && !inCI) console.warn("benchmarks runner: process-level tests skipped — run `npx tsc -b` first to build benchmarks/dist");

const EXAMPLE_STORE = "benchmarks/examples/json-file-store.mjs";
const REAL_SPEC = path.join(realWorldDir, "repo2docker", "004-conda", "env.yaml");

/** Tracked files the runner may change only with --update-docs, and the folders it must not create unasked. */
const TRACKED = ["benchmarks/results/results.json", "benchmarks/results/results.md", "benchmarks/results/chart.svg", "benchmarks/PERFORMANCE.md"].map((f) => path.join(repoRoot, f));
const UNTRACKED_DIRS = ["benchmarks/out", "benchmarks/results/tmp"].map((f) => path.join(repoRoot, f));

function snapshot(): string {
  const files = TRACKED.map((f) => `${f} ${statSync(f).mtimeMs} ${statSync(f).size}`);
  const dirs = UNTRACKED_DIRS.map((d) => `${d} ${existsSync(d) ? readdirSync(d).sort().join(",") : "(absent)"}`);
  return [...files, ...dirs].join("\n");
}

async function runMain(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const status = await main(args, env, { out: (t) => (out += t), err: (t) => (err += t) });
  return { status, out, err };
}

/** A smoke run of `args` into its own --out and --work-dir; returns the status, output and results.json. */
async function smoke(name: string, args: string[]): Promise<{ status: number; out: string; err: string; run: RunResult; outDir: string }> {
  const outDir = path.join(work, name, "out");
  const result = await runMain(["--smoke", "--out", outDir, "--work-dir", path.join(work, name, "work"), ...args]);
  expect(result.err, result.err).not.toMatch(/the run failed/);
  const run = JSON.parse(readFileSync(path.join(outDir, "results.json"), "utf8")) as RunResult;
  return { ...result, run, outDir };
}

describe("benchmark runner: --help and refused command lines", () => {
  it("--help prints usage, flags, suites and targets, exits 0, and runs and writes nothing", async () => {
    const before = snapshot();
    for (const args of [["--help"], ["-h"], ["--suites", "hash", "--help"], ["--help", "--no-such-flag"]]) {
      const { status, out, err } = await runMain(args);
      expect(status, args.join(" ")).toBe(0);
      expect(err).toBe("");
      for (const word of ["Usage:", "--spec", "--store", "--out", "--update-docs", "--target", "--no-targets", "hash, cache, process, scaling, miss", "process:hit-vs-docker", "miss:venv-vs-pip", "Exit status"]) expect(out).toContain(word);
    }
    expect(snapshot()).toBe(before);
  });

  it.skipIf(!built && !inCI)("the compiled runner: --help exits 0 with the usage and leaves tracked results and cache folders alone", async () => {
    const before = snapshot();
    // Were anything run, its work and out folders would appear where these variables point.
    const env = { ENVFORGE_BENCH_WORK_DIR: path.join(work, "help-child", "work"), ENVFORGE_BENCH_OUT: path.join(work, "help-child", "out") };
    const child = await execa(process.execPath, [RUNNER, "--help"], { cwd: repoRoot, env, reject: false });
    expect(child.exitCode).toBe(0);
    expect(child.stdout).toMatch(/^Usage: pnpm bench/);
    expect(child.stderr).toBe("");
    expect(existsSync(path.join(work, "help-child"))).toBe(false);
    expect(snapshot()).toBe(before);
  });

  it.skipIf(!built && !inCI)("the compiled runner: an unknown flag exits 1 with one line naming it, and runs nothing", async () => {
    const before = snapshot();
    const env = { ENVFORGE_BENCH_WORK_DIR: path.join(work, "unknown-child", "work"), ENVFORGE_BENCH_OUT: path.join(work, "unknown-child", "out") };
    const child = await execa(process.execPath, [RUNNER, "--smoke", "--frobnicate"], { cwd: repoRoot, env, reject: false });
    expect(child.exitCode).toBe(1);
    expect(child.stderr).toBe("bench: unknown option --frobnicate (see --help)");
    expect(child.stdout).toBe("");
    expect(existsSync(path.join(work, "unknown-child"))).toBe(false);
    expect(snapshot()).toBe(before);
  });

  it.each([
    [["--bogus"], /unknown option --bogus/],
    [["--rounds", "abc"], /--rounds: expected a positive whole number, got "abc"/],
    [["--rounds", "0"], /--rounds: expected a positive whole number/],
    [["--time=-5"], /--time: expected a positive number, got "-5"/],
    [["--time", "-5"], /--time needs a value; one starting with "-" is written --time=VALUE/],
    [["--sizes", "10k,,1m"], /--sizes: expected a comma-separated list/],
    [["--docker", "maybe"], /--docker: expected auto or off, got "maybe"/],
    [["--suites", "hash,nope"], /unknown suite "nope"/],
    [["--smoke=yes"], /--smoke takes no value/],
    [["--rounds"], /--rounds needs a value/],
    [["env.yaml"], /unexpected argument "env.yaml".*--spec/],
    [["--spec", "/no/such/env.yaml"], /--spec: no such file: \/no\/such\/env.yaml/],
    [["--store", "/no/such/store.mjs"], /--store: no such module/],
    [["--store", EXAMPLE_STORE, "--suites", "hash"], /--store is measured in the cache suite or beside --spec/],
    [["--target", "nope=1"], /--target: unknown target "nope"/],
    [["--target", "hash-typical:text"], /--target: expected ID=NUMBER/],
    [["--target", "hash-typical:text=fast"], /--target: expected ID=NUMBER/],
    [["--smoke", "--update-docs"], /--update-docs refused: --smoke/],
    [["--suites", "hash", "--update-docs"], /--update-docs refused: only a run of every suite/],
    [["--spec", REAL_SPEC, "--update-docs"], /--update-docs refused: --spec and --store/],
    [["--target", "cache:put=1", "--update-docs"], /--update-docs refused: --target/],
  ])("%j exits 1 with one line saying why, and runs nothing", async (args, message) => {
    const before = snapshot();
    const { status, out, err } = await runMain(args);
    expect(status).toBe(1);
    expect(err).toMatch(message);
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(err).toMatch(/^bench: /);
    expect(out).toBe("");
    expect(snapshot()).toBe(before);
  });

  it("a bad ENVFORGE_BENCH_* value exits 1 naming the variable; a flag wins over it", async () => {
    const bad = await runMain(["--smoke"], { ENVFORGE_BENCH_ROUNDS: "many" });
    expect(bad.status).toBe(1);
    expect(bad.err).toMatch(/ENVFORGE_BENCH_ROUNDS: expected a positive whole number, got "many"/);
    const overridden = await smoke("env-overridden", ["--suites", "hash", "--rounds", "1", "--no-targets"]);
    expect(overridden.status).toBe(0);
  });
});

describe("benchmark runner: where results go and what fails a run", () => {
  it("a smoke run writes its reports into --out only: tracked results, PERFORMANCE.md and benchmarks/out are untouched", async () => {
    const before = snapshot();
    const { status, out, run, outDir } = await smoke("out", ["--suites", "hash", "--no-targets"]);
    expect(status).toBe(0);
    for (const f of ["results.json", "results.md", "chart.svg"]) expect(existsSync(path.join(outDir, f)), f).toBe(true);
    expect(out).toContain(`wrote ${path.join(outDir, "results.md")}`);
    expect(run.cases.map((c) => c.id)).toEqual(["hash-typical", "hash-typical-parsed", "hash-large", "hash-large-parsed", "hash-warm-typical", "hash-warm-large"]);
    expect(snapshot()).toBe(before);
  });

  it("without --out, a smoke run writes under the OS temp dir and removes its own work dir", async () => {
    const before = snapshot();
    const { status, out } = await runMain(["--smoke", "--suites", "hash", "--no-targets"]);
    expect(status).toBe(0);
    const written = /wrote (.*)results\.md/.exec(out)![1]!;
    try {
      expect(path.resolve(written).startsWith(path.resolve(os.tmpdir()))).toBe(true);
      expect(existsSync(path.join(written, "results.json"))).toBe(true);
      expect(existsSync(path.join(written, "..", "work"))).toBe(false);
    } finally {
      rmSync(path.dirname(written), { recursive: true, force: true });
    }
    expect(snapshot()).toBe(before);
  });

  it("without --out, a full-settings run writes to a new git-ignored benchmarks/out/<time>/ and leaves the tracked results alone", async () => {
    const tracked = snapshot().split("\n").slice(0, TRACKED.length).join("\n");
    const outRoot = path.join(repoRoot, "benchmarks", "out");
    const hadOut = existsSync(outRoot);
    const { status, out } = await runMain(["--suites", "hash", "--rounds", "1", "--time", "5", "--work-dir", path.join(work, "full-settings"), "--no-targets"]);
    const written = path.resolve(/wrote (.*)results\.md/.exec(out)![1]!);
    try {
      expect(status).toBe(0);
      expect(path.dirname(written)).toBe(outRoot);
      expect(path.basename(written)).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(existsSync(path.join(written, "results.json"))).toBe(true);
      const ignored = await execa("git", ["check-ignore", "-q", path.join(written, "results.json")], { cwd: repoRoot, reject: false });
      expect(ignored.exitCode).toBe(0);
      expect(snapshot().split("\n").slice(0, TRACKED.length).join("\n")).toBe(tracked);
    } finally {
      rmSync(written, { recursive: true, force: true });
      if (!hadOut) rmSync(outRoot, { recursive: true, force: true });
    }
  });

  it("the docker target compares docker's cached rebuild with a warm engine's hit, 100x by default", () => {
    const hitCase = (engineMs: number): CaseResult => ({
      suite: "process",
      id: "process-docker-hit",
      title: "docker",
      unit: "ms",
      rows: withRatios([
        { subject: "engine.build, warm engine", role: "envforge", stats: { p50: engineMs, p99: engineMs, mean: engineMs, opsPerSec: 1000 / engineMs, samples: 5, rounds: 5 } },
        { subject: "docker build (fully cached)", role: "peer", stats: { p50: 150, p99: 160, mean: 150, opsPerSec: 6, samples: 5, rounds: 5 } },
      ]),
    });
    expect(dockerTarget(hitCase(0.5), {})).toMatchObject({ id: "process:hit-vs-docker", met: true, threshold: 100, value: 300 });
    const slow = dockerTarget(hitCase(3), {});
    expect(slow).toMatchObject({ met: false, value: 50 });
    expect(slow.informational).toBeUndefined();
    expect(unmet([slow])).toEqual([slow]);
    expect(dockerTarget(hitCase(3), { "process:hit-vs-docker": 40 })).toMatchObject({ met: true, threshold: 40 });
    expect(dockerTarget({ ...hitCase(1), rows: [], skipped: "no daemon" }, {}).met).toBe("skipped");
  });

  it("a target no machine meets (--target hash-typical:text=0.000001) exits 4 and lists it last", async () => {
    const { status, out, run } = await smoke("impossible", ["--suites", "hash", "--target", "hash-typical:text=0.000001"]);
    expect(status).toBe(4);
    const target = run.targets.find((t) => t.id === "hash-typical:text")!;
    expect(target).toMatchObject({ met: false, threshold: 0.000001 });
    expect(target.description).toContain("at most 0.000001x");
    const tail = out.slice(out.lastIndexOf("not met:"));
    expect(tail).toMatch(/^not met:\n/);
    expect(tail).toMatch(/^ {2}hash-typical:text: /m);
    expect(out.trimEnd().split("\n").at(-1)).toMatch(/^ {2}hash-(typical|large):(text|parsed): /);
  });

  it("--no-targets measures the same and reports the unmet target, but exits 0", async () => {
    const { status, out, run } = await smoke("no-targets", ["--suites", "hash", "--target", "hash-typical:text=0.000001", "--no-targets"]);
    expect(status).toBe(0);
    expect(run.targets.find((t) => t.id === "hash-typical:text")!.met).toBe(false);
    expect(out).toMatch(/targets? not met \(--no-targets: not failing the run\):\n/);
    expect(out.slice(out.lastIndexOf("not met"))).toMatch(/^ {2}hash-typical:text: .*at most 0\.000001x/m);
  });

  it("a lenient threshold is met, and the description states the threshold that was checked", async () => {
    const { run } = await smoke("lenient", ["--suites", "hash", "--target", "hash-large:text=1000000", "--no-targets"]);
    const target = run.targets.find((t) => t.id === "hash-large:text")!;
    expect(target).toMatchObject({ met: true, threshold: 1000000 });
    expect(target.description).toContain("at most 1000000x");
  });
});

describe("benchmark runner: your own definitions and store", () => {
  it("--spec with a real-world definition (read in place) reports its hash, a file row, a parsed row beside the peers and a cache hit — beside --store", async () => {
    const { status, run } = await smoke("spec", ["--spec", REAL_SPEC, "--store", EXAMPLE_STORE]);
    expect(status).toBe(0);
    // --spec alone runs only its own cases: no built-in suite, no targets.
    expect(run.cases.map((c) => c.id)).toEqual(["spec-1-file", "spec-1-parsed", "spec-1-hit"]);
    expect(run.targets).toEqual([]);
    const { engine } = await testEngine();
    const { hash } = await engine.hash(REAL_SPEC);
    for (const c of run.cases) {
      expect(c.title).toContain("004-conda/env.yaml");
      const ef = c.rows.find((r) => r.role === "envforge")!;
      expect(Number.isFinite(ef.stats.p50) && ef.stats.p50 > 0, c.id).toBe(true);
      expect(ef.ratioToLimit).toBeGreaterThan(0);
    }
    expect(run.cases[0]!.notes!.join(" ")).toContain(hash);
    expect(run.cases[0]!.rows.map((r) => r.role)).toEqual(["envforge", "peer", "limit"]);
    expect(run.cases[1]!.rows.map((r) => r.role)).toEqual(["envforge", "peer", "peer", "peer", "peer", "limit"]);
    const hit = run.cases[2]!;
    expect(hit.notes!.join(" ")).toContain(hash);
    expect(hit.rows.map((r) => r.subject)).toEqual(["envforge lookup (local disk tier)", "json-file-store get", "limit: Map.get"]);
    expect(hit.rows[0]!.bestPeer).toBe("json-file-store get");
  });

  it("--spec with a definition envforge refuses exits 1 with envforge's error before measuring anything", async () => {
    const file = path.join(work, "refused", "env.yaml");
    rmSync(path.dirname(file), { recursive: true, force: true });
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, "python:\n  version: '3.11'\n  pip: 42\n");
    const { status, out, err } = await runMain(["--smoke", "--spec", file, "--out", path.join(work, "refused", "out"), "--work-dir", path.join(work, "refused", "work")]);
    expect(status).toBe(1);
    expect(err).toMatch(/--spec .*env\.yaml: envforge refuses this definition:\n.*error E_/);
    expect(out).toBe("");
    expect(existsSync(path.join(work, "refused", "out"))).toBe(false);
  });

  it("--store benchmarks/examples/json-file-store.mjs adds its row to every cache case, with ratios", async () => {
    const { status, run } = await smoke("store", ["--suites", "cache", "--sizes", "50", "--store", EXAMPLE_STORE, "--no-targets"]);
    expect(status).toBe(0);
    expect(run.config).toMatchObject({ store: { name: "json-file-store" } });
    expect(run.cases.map((c) => c.id)).toEqual(["cache-hit-50", "cache-miss-50", "cache-warm-50", "cache-put"]);
    for (const c of run.cases) {
      const mine = c.rows.filter((r) => r.subject.startsWith("json-file-store"));
      expect(mine, c.id).toHaveLength(1);
      expect(mine[0]!.role).toBe("peer");
      expect(mine[0]!.note).toBe(`your store (--store ${EXAMPLE_STORE}): atomic rename, not synced to disk`);
      expect(mine[0]!.ratioToLimit! > 0 && Number.isFinite(mine[0]!.ratioToLimit!)).toBe(true);
      expect(mine[0]!.ratioToBestPeer).toBeGreaterThan(0);
      expect(c.rows.some((r) => r.subject.includes("cacache"))).toBe(true);
    }
  }, 60_000);

  it("a --store module of the wrong shape exits 1 saying what is missing", async () => {
    const file = path.join(work, "bad-store.mjs");
    writeFileSync(file, 'export default { name: "half", get() { return undefined; } };\n');
    const { status, err } = await runMain(["--smoke", "--suites", "cache", "--store", file, "--work-dir", path.join(work, "bad-store")]);
    expect(status).toBe(1);
    expect(err).toMatch(/--store .*bad-store\.mjs: `put\(entry\)` must be a function/);
  });

  it("a store that does not return what it was given fails the run (exit 3) before any figure is taken", async () => {
    const file = path.join(work, "forgetful-store.mjs");
    writeFileSync(file, 'export default { name: "forgetful", get() { return undefined; }, put() {} };\n');
    const outDir = path.join(work, "forgetful", "out");
    const { status, err } = await runMain(["--smoke", "--suites", "cache", "--sizes", "50", "--store", file, "--out", outDir, "--work-dir", path.join(work, "forgetful", "work")]);
    expect(status).toBe(3);
    expect(err).toMatch(/store "forgetful" .* does not return the entry put under efh1:/);
    expect(existsSync(outDir)).toBe(false);
  });

  it("the example store keeps what it is given and answers undefined for a key it never saw", async () => {
    const { default: store } = (await import(path.join(repoRoot, EXAMPLE_STORE))) as { default: import("../benchmarks/src/store.js").BenchStore };
    const dir = path.join(work, "example-store");
    await store.open!({ dir });
    const { sampleEntry } = await import("../benchmarks/src/fill.js");
    const entry = sampleEntry(`efh1:${"ab".repeat(32)}`, "venv", "/nowhere", "{}");
    expect(await store.get({ hash: entry.hash, target: "venv" })).toBeUndefined();
    await store.put(entry);
    expect(await store.get({ hash: entry.hash, target: "venv" })).toEqual(entry);
    expect(await store.get({ hash: entry.hash, target: "docker" })).toBeUndefined();
  });
});
