import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { spawnTs } from "../support/ts-child.js";
import { envCount, envSeed, report, tmp } from "../reliability/support.js";

/**
 * Property fuzzing of load → parse → validate → canonicalize → hash with every bundled plugin:
 * whatever the input, the engine answers with a hash or an EnvforgeError (a stable code and a
 * message), never another exception, and never hangs. A plugin's raw throw reaches the host as a
 * PluginError (still an EnvforgeError), but it is a bug in that plugin: the last test lists them. Each property runs in a child process under a watchdog, because an
 * input that blocks the event loop (catastrophic regex backtracking) cannot be timed out from
 * inside. ENVFORGE_FUZZ_RUNS sets the inputs per property, ENVFORGE_FUZZ_SEED replays a run.
 */
const RUNS = envCount("ENVFORGE_FUZZ_RUNS", 10_000);
const SEED = envSeed("ENVFORGE_FUZZ_SEED");
/** One input may take this long before it counts as a hang (generous: the machine is shared). */
const HANG_MS = envCount("ENVFORGE_FUZZ_HANG_MS", 10_000);
const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "fuzz-child.ts");

let fixtures: string;

beforeAll(async () => {
  // Files a generated definition may reference, hostile ones included.
  fixtures = path.join(await tmp("fuzz"), "defs");
  await mkdir(fixtures, { recursive: true });
  await writeFile(path.join(fixtures, "requirements.txt"), "numpy==1.26\n-r more.txt\n");
  await writeFile(path.join(fixtures, "more.txt"), "requests>=2 ; python_version > '3'\n");
  await writeFile(path.join(fixtures, "loop.txt"), "-r loop.txt\n");
  await writeFile(path.join(fixtures, "environment.yml"), "channels: [conda-forge]\ndependencies: [numpy=1.26, {pip: [rich]}]\n");
  await writeFile(path.join(fixtures, "Dockerfile"), "FROM debian:12\nRUN echo hi\n");
  await symlink("/etc/passwd", path.join(fixtures, "passwd-link.txt"));
});

interface Outcome {
  inputs: number;
  hashed: number;
  refused: Record<string, number>;
  pluginCrashes: Record<string, { count: number; example: string; error: string }>;
}
const outcomes: Outcome[] = [];
const crashCount = (o: Outcome) => Object.values(o.pluginCrashes).reduce((n, c) => n + c.count, 0);

/** Runs a property in a child; fails with the input on a crash, or on a hang (no progress for HANG_MS). */
async function fuzz(property: string, seed: number, runs: number, source?: unknown): Promise<Outcome> {
  const child = spawnTs(CHILD, [JSON.stringify({ property, seed, runs, fixtures, source })]);
  let seen = 0;
  let hung = false;
  const watchdog = setInterval(() => {
    if (child.lines.length === seen) {
      hung = true;
      child.child.kill("SIGKILL");
    }
    seen = child.lines.length;
  }, HANG_MS);
  try {
    await child.exited;
  } finally {
    clearInterval(watchdog);
  }
  const last = [...child.lines].reverse().find((l) => l.type === "input");
  if (hung) throw new Error(`hang: no answer within ${HANG_MS} ms (seed ${seed}) for input #${String(last?.i)}: ${String(last?.input)}`);
  const failure = child.lines.find((l) => l.type === "failure");
  if (failure) throw new Error(`${String(failure.message)}\n(seed ${seed}; last input #${String(last?.i)}: ${String(last?.input)})`);
  const done = child.lines.find((l) => l.type === "done");
  if (!done) throw new Error(`the fuzz child died: ${child.stderr().slice(-3000)}`);
  return done as unknown as Outcome;
}

describe(`fuzzing load → parse → canonicalize (seed ${SEED}, ${RUNS} inputs per property)`, () => {
  it("structured input (mutated corpus, schema-shaped, arbitrary JSON) gives a hash or an EnvforgeError", { timeout: 1_800_000 }, async () => {
    console.log(`[fuzz] seed ${SEED} (replay with ENVFORGE_FUZZ_SEED=${SEED})`);
    const outcome = await fuzz("structured", SEED, RUNS);
    outcomes.push(outcome);
    expect(outcome.inputs).toBe(RUNS);
    // Both sides are reached: the fuzzer is not only feeding one kind of garbage.
    expect(outcome.hashed).toBeGreaterThan(RUNS / 50);
    expect(Object.keys(outcome.refused).length).toBeGreaterThan(5);
    report("fuzz-structured", { seed: SEED, inputs: outcome.inputs, hashed: outcome.hashed, refused: outcome.refused, nonEnvforgeErrors: 0, hangs: 0, pluginCrashes: crashCount(outcome) });
  });

  it("raw text (corpus files broken at the character level, random YAML) gives a hash or an EnvforgeError", { timeout: 1_800_000 }, async () => {
    const outcome = await fuzz("text", SEED ^ 0x7e57, RUNS);
    outcomes.push(outcome);
    expect(outcome.inputs).toBe(RUNS);
    expect(outcome.refused.E_INVALID_YAML ?? 0).toBeGreaterThan(0);
    report("fuzz-text", { seed: SEED, inputs: outcome.inputs, hashed: outcome.hashed, refused: outcome.refused, nonEnvforgeErrors: 0, hangs: 0, pluginCrashes: crashCount(outcome) });
  });

  it("no bundled plugin crashed on any of those inputs (each PluginError above is a bug in that plugin)", () => {
    const crashes = outcomes.flatMap((o) => Object.entries(o.pluginCrashes).map(([site, c]) => `${site}: ${c.count}× — ${c.error}\n    e.g. ${c.example}`));
    expect(crashes).toEqual([]);
  });

  // Found by the structured property: an image reference of 20 letters and one invalid character
  // sent the reference grammar's regex into catastrophic backtracking (minutes, event loop blocked).
  it.each(["aaaaaaaaaaaaaaaaaaaa!", "scikit-learnnumpy==1==1==1==1==1==1==1==1==1==1", `python${"a".repeat(40)}:3.11!`])(
    "the image reference %j is answered without a hang",
    { timeout: 60_000 },
    async (baseImage) => {
      const outcome = await fuzz("single", 0, 1, { object: { docker: { baseImage } }, file: "<hang>" });
      expect(outcome.refused.E_INVALID_IMAGE_REFERENCE).toBe(1);
    },
  );
});
