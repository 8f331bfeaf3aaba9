import { spawnSync } from "node:child_process";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createEngine, type CacheEntry } from "@envforge/core/plugin-kit";
import { pipPlugin } from "@envforge/plugin-pip";
import { describe, expect, it } from "vitest";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";
import { FileRegistry } from "@envforge/workspace";
import { auditCache } from "../support/cache-audit.js";
import type { ChildJob, CrashPoint } from "../support/reliability-child.js";
import { PROBE_TARGET, probeArtifactComplete, probePlugin, probeSpec, type ProbeOptions } from "../support/reliability-plugin.js";
import { reliabilityChild, spawnTs } from "../support/ts-child.js";
import { envCount, envSeed, expectConsistent, killAfter, report, seededRandom, strays, tmp } from "./support.js";

const TRIALS = envCount("ENVFORGE_CRASH_TRIALS", 50);
const VENV_TRIALS = envCount("ENVFORGE_VENV_CRASH_TRIALS", 4);
const REGISTRY_TRIALS = envCount("ENVFORGE_REGISTRY_CRASH_TRIALS", 10);
const LANES = Math.min(envCount("ENVFORGE_CRASH_LANES", 3), TRIALS);
const SEED = envSeed("ENVFORGE_CRASH_SEED");

const ENGINE_POINTS: CrashPoint[] = ["build-start", "build-finished", "before-store", "after-store"];
const BUILDER_POINTS: NonNullable<ProbeOptions["crashAt"]>[] = ["start", "middle", "end"];
const STEP_MS = 25;
const FILES = 8;

interface Trial {
  index: number;
  lane: number;
  ids: string[];
  rebuild: boolean;
  kill: { kind: "delay"; ms: number } | { kind: "engine"; point: CrashPoint } | { kind: "builder"; point: NonNullable<ProbeOptions["crashAt"]> };
}

/** The whole plan is drawn from the seed up front, so a failing trial can be replayed exactly. */
function plan(seed: number): Trial[] {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  return Array.from({ length: TRIALS }, (_, index) => {
    const lane = index % LANES;
    // Mostly new ids (so there is a build to kill), sometimes an earlier one (a hit, or a rebuild
    // over a complete entry, which must survive the kill).
    const ids = [
      ...new Set(
        Array.from({ length: 1 + Math.floor(random() * 3) }, (_, k) =>
          random() < 0.8 || index < LANES ? `l${lane}-t${index}-${k}` : `l${lane}-t${lane + LANES * Math.floor(random() * Math.floor(index / LANES))}-0`,
        ),
      ),
    ];
    const r = random();
    const kill: Trial["kill"] =
      r < 0.5
        ? { kind: "delay", ms: Math.floor(random() * (FILES * STEP_MS + 100)) }
        : r < 0.8
          ? { kind: "engine", point: pick(ENGINE_POINTS) }
          : { kind: "builder", point: pick(BUILDER_POINTS) };
    return { index, lane, ids, rebuild: random() < 0.25, kill };
  });
}

const complete = (e: { artifact: { path?: string | undefined } }) => probeArtifactComplete(e.artifact.path!);

const at = (trial: Trial) => `trial ${trial.index} (seed ${SEED}): ${JSON.stringify(trial)}`;

describe("crash safety: builds killed with SIGKILL at random points", () => {
  it(`${TRIALS} killed builds never leave an entry a later run takes as valid, and the next run recovers`, { timeout: 600_000 }, async () => {
    const trials = plan(SEED);
    const dir = await tmp("crash");
    const figures = { seed: SEED, trials: TRIALS, kills: 0, killedBeforeAnswer: 0, answeredBeforeKill: 0, recoveredBuilds: 0, recoveredHits: 0, deadLocksLeft: 0, lost: 0 };
    const byKind: Record<string, number> = {};

    const runLane = async (lane: number) => {
      const cacheDir = path.join(dir, `lane-${lane}`);
      for (const trial of trials.filter((t) => t.lane === lane)) {
        const job: ChildJob = {
          cacheDir,
          plugins: ["probe"],
          requests: trial.ids.map((id) => ({ key: id, spec: probeSpec(id, { files: FILES }), target: PROBE_TARGET, rebuild: trial.rebuild })),
          builderOptions: { probe: { stepMs: STEP_MS, crashAt: trial.kill.kind === "builder" ? trial.kill.point : undefined } },
          crashPoint: trial.kill.kind === "engine" ? trial.kill.point : undefined,
        };
        const child = spawnTs(reliabilityChild, [JSON.stringify(job)]);
        await child.waitFor("ready");
        if (trial.kill.kind === "delay") {
          await sleep(trial.kill.ms);
          child.child.kill("SIGKILL");
        }
        const exit = await child.exited;
        const label = `${trial.kill.kind}:${"point" in trial.kill ? trial.kill.point : "random"}`;
        if (exit.signal === "SIGKILL") {
          figures.kills++;
          byKind[label] = (byKind[label] ?? 0) + 1;
        } else {
          // A crash point the build never reached (a cache hit), or a delay longer than the build.
          expect(exit.code, child.stderr()).toBe(0);
        }
        const answered = child.lines.filter((l) => l.type === "result").map((l) => String(l.key));
        expect(child.lines.filter((l) => l.type === "error"), child.stderr()).toEqual([]);
        figures.answeredBeforeKill += answered.length;
        if (exit.signal === "SIGKILL") figures.killedBeforeAnswer += trial.ids.length - answered.length;

        // What a later run would read: every entry parses, is accepted, and its artifact is whole.
        const audit = await auditCache(cacheDir, complete);
        expectConsistent(audit, at(trial));
        expect(audit.liveLocks, `${at(trial)}: the killed holder's lock looks alive`).toEqual([]);
        for (const id of answered) {
          expect(audit.valid.some((e) => e.canonicalText.includes(`"id":"${id}"`)), `answered ${id} has an entry`).toBe(true);
        }

        // The next run (a fresh engine, default lock timing) takes over and gets every id built.
        const engine = createEngine({ cacheDir, plugins: [probePlugin()] });
        for (const id of trial.ids) {
          const result = await engine.build(probeSpec(id, { files: FILES }), { target: PROBE_TARGET });
          expect(await probeArtifactComplete(result.entry.artifact.path!), `recovered ${id}`).toBe(true);
          if (result.cached) figures.recoveredHits++;
          else figures.recoveredBuilds++;
        }
        expectConsistent(await auditCache(cacheDir, complete), at(trial));
      }
    };
    await Promise.all(Array.from({ length: LANES }, (_, lane) => runLane(lane)));

    for (let lane = 0; lane < LANES; lane++) {
      const audit = await auditCache(path.join(dir, `lane-${lane}`), complete);
      expectConsistent(audit, `lane ${lane} at the end`);
      // A killed holder's lock may remain where the next run only read the cache; none may hold anyone up.
      expect(audit.liveLocks, `lane ${lane}: a dead holder's lock looks alive`).toEqual([]);
      figures.deadLocksLeft += audit.locks.length;
    }
    // Only a hit (an id already built, no rebuild) or a build faster than its delay escapes the kill.
    expect(figures.kills).toBeGreaterThanOrEqual(Math.floor(TRIALS * 0.8));
    const asked = trials.reduce((n, t) => n + t.ids.length, 0);
    figures.lost = asked - figures.recoveredBuilds - figures.recoveredHits;
    expect(figures.lost).toBe(0);
    report("crash-safety", { ...figures, requests: asked, byKind });
  });
});

const venvProbe = spawnSync("python3", ["-c", "import venv, ensurepip"], { encoding: "utf8" });
const noVenv = venvProbe.status === 0 ? undefined : "python3 with the venv and ensurepip modules is not installed";
if (noVenv && inCI) throw new Error(`the venv crash trials need ${noVenv.replace(" is not installed", "")} in CI`);
warnSkip("venv crash trials", noVenv);

/** A venv entry is whole when its interpreter runs and imports what was installed, at the version asked. */
function venvComplete(entry: CacheEntry): Promise<boolean> {
  const python = path.join(entry.artifact.path!, "bin", "python");
  const run = spawnSync(python, ["-c", "import envforge_crashprobe as m; print(m.__version__)"], { encoding: "utf8" });
  return Promise.resolve(run.status === 0 && run.stdout.trim() === "1.0.0");
}

describe.skipIf(noVenv)(titleWithReason("crash safety of the venv artifact (real python3 -m venv + pip)", noVenv), () => {
  it(`${VENV_TRIALS} venv builds killed at random points leave no valid-looking broken venv; the next run stops their strays and builds a working one`, { timeout: 900_000 }, async () => {
    const random = seededRandom(SEED ^ 0x5eed);
    const dir = await tmp("crash-venv");
    const wheels = path.join(dir, "wheels");
    await makeWheel(wheels, { name: "envforge-crashprobe", version: "1.0.0" });
    const spec = { object: { name: "crash", python: { pip: ["envforge-crashprobe==1.0.0"] } }, file: "<crash>", dir };
    const builderOptions = { pip: { findLinks: [wheels], noIndex: true } };
    const cacheDir = path.join(dir, "cache");

    // How long one build takes here decides where the kills land.
    const t0 = Date.now();
    const calibration = await createEngine({ cacheDir: path.join(dir, "calibration"), plugins: [pipPlugin()] }).build(spec, { target: "venv", builderOptions });
    const buildMs = Date.now() - t0;
    expect(await venvComplete(calibration.entry)).toBe(true);

    const figures = { seed: SEED, trials: VENV_TRIALS, buildMs, kills: 0, straysAfterKill: 0, straysAtNextBuildStart: 0, recoveredBuilds: 0, recoveredHits: 0, lost: 0 };
    for (let trial = 0; trial < VENV_TRIALS; trial++) {
      const delay = Math.floor((0.05 + 0.9 * random()) * buildMs);
      const where = `venv trial ${trial} (seed ${SEED}, kill after ${delay} ms of ~${buildMs})`;
      const { killed } = await killAfter({ cacheDir, plugins: ["pip"], builderOptions, requests: [{ key: "venv", spec, target: "venv", rebuild: trial % 2 === 1 }] }, delay);
      if (killed) figures.kills++;
      figures.straysAfterKill += strays(cacheDir).length;
      const audit = await auditCache(cacheDir, venvComplete);
      expectConsistent(audit, where);
      expect(audit.liveLocks, where).toEqual([]);

      // The next run takes over; by the time its builder starts, nothing the killed build started
      // (pip keeps running in its own process group) may still write into the folder it reuses.
      const engine = createEngine({ cacheDir, plugins: [pipPlugin()] });
      let atStart: string[] | undefined;
      engine.hooks.event.tap("strays", (e) => {
        if (e.type === "build.start") atStart = strays(cacheDir);
      });
      // It does what the killed run was doing (a rebuild rebuilds: the debris is that generation's).
      const result = await engine.build(spec, { target: "venv", builderOptions, rebuild: trial % 2 === 1 });
      expect(await venvComplete(result.entry), where).toBe(true);
      expect(atStart ?? [], where).toEqual([]);
      figures.straysAtNextBuildStart += atStart?.length ?? 0;
      if (result.cached) figures.recoveredHits++;
      else figures.recoveredBuilds++;
    }
    const audit = await auditCache(cacheDir, venvComplete);
    expectConsistent(audit, "venv trials at the end");
    expect(audit.valid.length).toBeGreaterThanOrEqual(1);
    report("crash-safety-venv", figures);
  });
});

describe("crash safety of the workspace registry", () => {
  it(`${REGISTRY_TRIALS} writers killed at random points: what they reported committed survives, nothing else half-exists, the next writer continues`, { timeout: 600_000 }, async () => {
    const random = seededRandom(SEED ^ 0x7e61);
    const dir = path.join(await tmp("crash-registry"), "registry");
    const names = ["alpha", "beta", "gamma"];
    const committed = new Map<string, string>(); // name@version → hash
    const figures = { seed: SEED, trials: REGISTRY_TRIALS, kills: 0, committedBeforeKill: 0, versionsAtEnd: 0, lost: 0 };
    let start = 1;
    for (let trial = 0; trial < REGISTRY_TRIALS; trial++) {
      const child = spawnTs(path.join(path.dirname(reliabilityChild), "registry-child.ts"), [JSON.stringify({ dir, names, staleMs: 2000, start })]);
      start += 1_000_000;
      await child.waitFor("ready");
      await sleep(50 + Math.floor(random() * 1500));
      child.child.kill("SIGKILL");
      if ((await child.exited).signal === "SIGKILL") figures.kills++;
      for (const line of child.lines.filter((l) => l.type === "committed")) committed.set(`${String(line.name)}@${String(line.version)}`, String(line.hash));
      figures.committedBeforeKill += child.lines.filter((l) => l.type === "committed").length;

      // A later run reads the registry: no corruption error, every reported commit is there with its
      // hash, versions are 1..n without gaps, and the "latest" label points at the last one.
      const warnings: string[] = [];
      const reader = new FileRegistry(dir, { staleMs: 2000, onWarning: (w) => warnings.push(w.code) });
      const where = `registry trial ${trial} (seed ${SEED})`;
      for (const name of names) {
        // A writer killed before its first commit of `name` leaves no such environment: no versions.
        const versions = await reader.versions(name).catch((e: unknown) => {
          if ((e as { code?: string }).code === "E_NOT_FOUND") return [];
          throw e;
        });
        expect(versions.map((v) => v.version), where).toEqual(versions.map((_, i) => String(i + 1)));
        for (const v of versions) {
          expect(v.hash, where).toMatch(/^efh1:[0-9a-f]{64}$/);
          expect(v.definition.document.name, where).toBe(name);
        }
        if (versions.length > 0) expect((await reader.get(`${name}:latest`)).version, where).toBe(versions.at(-1)!.version);
      }
      for (const [ref, hash] of committed) expect((await reader.get(ref)).hash, `${where}: ${ref} was reported committed`).toBe(hash);
    }
    // The next writer continues where the killed ones stopped.
    const writer = new FileRegistry(dir, { staleMs: 2000 });
    const before = (await writer.versions("alpha")).length;
    const next = await writer.register({ name: "alpha", hash: `efh1:${"f".repeat(64)}`, definition: { document: { name: "alpha" }, files: {} } });
    expect(next.record.version).toBe(String(before + 1));
    for (const name of names) figures.versionsAtEnd += (await writer.versions(name)).length;
    for (const [ref, hash] of committed) if ((await writer.find(ref))?.hash !== hash) figures.lost++;
    expect(figures.lost).toBe(0);
    expect(figures.kills).toBeGreaterThanOrEqual(Math.ceil(REGISTRY_TRIALS * 0.8));
    report("crash-safety-registry", figures);
  });
});
