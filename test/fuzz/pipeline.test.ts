import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { ErrorCodes, EnvforgeError, PluginError, type SpecSource } from "@envforge/core";
import { fc } from "@fast-check/vitest";
import { beforeAll, describe, expect, it } from "vitest";
import { testEngine } from "../support/engine.js";
import { envCount, envSeed, report, tmp } from "../reliability/support.js";
import { asYaml, corpus, mutatedSeed, mutatedText, schemaShaped, value, type Seed } from "./arbitraries.js";

/**
 * Property fuzzing of load → parse → validate → canonicalize → hash with every bundled plugin:
 * whatever the input, the engine answers with a hash or an EnvforgeError (a stable code and a
 * message), never another exception, and never hangs. ENVFORGE_FUZZ_RUNS sets the number of
 * inputs of each property, ENVFORGE_FUZZ_SEED replays a run (the seed is printed).
 */
const RUNS = envCount("ENVFORGE_FUZZ_RUNS", 10_000);
const SEED = envSeed("ENVFORGE_FUZZ_SEED");
/** One input may take this long before it counts as a hang (generous: the machine is shared). */
const PER_INPUT_MS = 5_000;

let seeds: Seed[];
let fixtures: string;

beforeAll(async () => {
  seeds = corpus();
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
  ok: number;
  errors: Map<string, number>;
}

async function check(run: () => Promise<unknown>, outcome: Outcome): Promise<void> {
  try {
    await run();
    outcome.ok++;
  } catch (error) {
    if (!(error instanceof EnvforgeError)) {
      throw new Error(`not an EnvforgeError: ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}`, { cause: error });
    }
    // A PluginError here means a plugin threw something raw on bad input: a crash, reported nicely.
    if (error instanceof PluginError) {
      const cause = error.cause as Error | undefined;
      throw new Error(`plugin "${error.plugin}" crashed in ${error.hook}: ${cause?.stack ?? String(cause)}`, { cause: error });
    }
    expect(ErrorCodes).toContain(error.code);
    expect(error.message.length).toBeGreaterThan(0);
    outcome.errors.set(error.code, (outcome.errors.get(error.code) ?? 0) + 1);
  }
}

const summary = (o: Outcome) => ({ hashed: o.ok, refused: Object.fromEntries([...o.errors].sort()) });

describe(`fuzzing load → parse → canonicalize (seed ${SEED}, ${RUNS} inputs per property)`, () => {
  it("structured input (mutated corpus, schema-shaped, arbitrary JSON) gives a hash or an EnvforgeError", { timeout: 900_000 }, async () => {
    console.log(`[fuzz] seed ${SEED} (replay with ENVFORGE_FUZZ_SEED=${SEED})`);
    const { engine } = await testEngine();
    const outcome: Outcome = { ok: 0, errors: new Map() };
    const input = fc.oneof(
      { weight: 4, arbitrary: mutatedSeed(seeds).map(({ seed, data }) => ({ data, dir: seed.dir, file: seed.file })) },
      { weight: 3, arbitrary: schemaShaped.map((data) => ({ data: data as unknown, dir: fixtures, file: path.join(fixtures, "env.yaml") })) },
      { weight: 1, arbitrary: value.map((data) => ({ data, dir: fixtures, file: path.join(fixtures, "env.yaml") })) },
    );
    const asText = fc.boolean();
    await fc.assert(
      fc.asyncProperty(input, asText, async ({ data, dir, file }, text) => {
        const source: SpecSource = text ? { text: asYaml(data), file, dir } : { object: data, file, dir };
        await check(() => engine.hash(source), outcome);
      }),
      { seed: SEED, numRuns: RUNS, timeout: PER_INPUT_MS, endOnFailure: true },
    );
    expect(outcome.ok + [...outcome.errors.values()].reduce((a, b) => a + b, 0)).toBe(RUNS);
    // Both sides are reached: the fuzzer is not only feeding one kind of garbage.
    expect(outcome.ok).toBeGreaterThan(RUNS / 50);
    expect(outcome.errors.size).toBeGreaterThan(5);
    report("fuzz-structured", { seed: SEED, inputs: RUNS, crashes: 0, hangs: 0, ...summary(outcome) });
  });

  it("raw text (corpus files broken at the character level, random YAML) gives a hash or an EnvforgeError", { timeout: 900_000 }, async () => {
    const { engine } = await testEngine();
    const outcome: Outcome = { ok: 0, errors: new Map() };
    const input = fc.oneof(
      { weight: 3, arbitrary: mutatedText(seeds).map(({ seed, text }) => ({ text, dir: seed.dir, file: seed.file })) },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((text) => ({ text, dir: fixtures, file: path.join(fixtures, "env.yaml") })) },
      {
        weight: 1,
        arbitrary: fc
          .array(fc.constantFrom("a: ", "- ", "&x ", "*x", "<<: *x\n", "!!binary ", "!!str ", "? ", "|\n  ", ">\n  ", "{", "}", "[", "]", ",", "\n", "  ", "'", '"', "python:\n  pip:\n", "  - numpy\n", "%TAG ! tag:x,2000:\n---\n"), { maxLength: 40 })
          .map((parts) => ({ text: parts.join(""), dir: fixtures, file: path.join(fixtures, "env.yaml") })),
      },
    );
    await fc.assert(
      fc.asyncProperty(input, async ({ text, dir, file }) => {
        await check(() => engine.hash({ text, file, dir }), outcome);
      }),
      { seed: SEED ^ 0x7e57, numRuns: RUNS, timeout: PER_INPUT_MS, endOnFailure: true },
    );
    expect(outcome.errors.get("E_INVALID_YAML") ?? 0).toBeGreaterThan(0);
    report("fuzz-text", { seed: SEED, inputs: RUNS, crashes: 0, hangs: 0, ...summary(outcome) });
  });
});
