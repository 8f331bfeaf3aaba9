import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createEngine } from "@envforge/core";
import { describe, expect, it } from "vitest";
import { auditCache, type CacheAudit } from "../support/cache-audit.js";
import type { ChildJob, CrashPoint } from "../support/reliability-child.js";
import { PROBE_TARGET, probeArtifactComplete, probePlugin, probeSpec, type ProbeOptions } from "../support/reliability-plugin.js";
import { reliabilityChild, spawnTs } from "../support/ts-child.js";
import { envCount, envSeed, report, seededRandom, tmp } from "./support.js";

const TRIALS = envCount("ENVFORGE_CRASH_TRIALS", 50);
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

function expectConsistent(audit: CacheAudit, trial: Trial | string): void {
  const where = typeof trial === "string" ? trial : `trial ${trial.index} (seed ${SEED}): ${JSON.stringify(trial)}`;
  expect(audit.broken, where).toEqual([]);
  expect(audit.incomplete, where).toEqual([]);
  expect(audit.brokenGenerations, where).toEqual([]);
}

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
        expectConsistent(audit, trial);
        expect(audit.liveLocks, `trial ${trial.index} (seed ${SEED}): ${JSON.stringify(trial)}: the killed holder's lock looks alive`).toEqual([]);
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
        expectConsistent(await auditCache(cacheDir, complete), trial);
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
