/**
 * Runs one fuzz property in its own process (`spawnTs`), so that an input which blocks the event
 * loop (a regex that backtracks for minutes) is seen as a hang by the parent's watchdog instead
 * of freezing the test runner. argv[2]: JSON { property, seed, runs, fixtures }. stdout, JSON lines:
 * `input` before each run (index and a preview), `done` with the outcome counts, or `failure`.
 */
import path from "node:path";
import { EnvforgeError, PluginError, errorInfo, type SpecSource } from "@envforge/core/plugin-kit";
import { fc } from "@fast-check/vitest";
import { testEngine } from "../support/engine.js";
import { asYaml, corpus, mutatedSeed, mutatedText, schemaShaped, value } from "./arbitraries.js";

interface Job {
  property: "structured" | "text" | "single";
  seed: number;
  runs: number;
  fixtures: string;
  /** For "single": one source to hash. */
  source?: SpecSource;
}

const job = JSON.parse(process.argv[2] ?? "{}") as Job;
const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const preview = (x: unknown) => {
  const text = JSON.stringify(x) ?? String(x);
  return text.length > 600 ? `${text.slice(0, 600)}…(${text.length} chars)` : text;
};

const { engine } = await testEngine();
const counts = new Map<string, number>();
let hashed = 0;
/** Bundled plugins that threw raw (wrapped as PluginError): counted and shown, by plugin and hook. */
const pluginCrashes = new Map<string, { count: number; example: string; error: string }>();
let index = 0;

async function check(source: SpecSource): Promise<void> {
  say({ type: "input", i: index++, input: preview(source) });
  try {
    await engine.hash(source);
    hashed++;
  } catch (error) {
    if (!(error instanceof EnvforgeError)) throw new Error(`not an EnvforgeError: ${(error as Error)?.stack ?? String(error)}`, { cause: error });
    // A PluginError is what the engine makes of a plugin that threw raw on bad input: the host
    // still gets an EnvforgeError (the guarantee), but it is a bug in that plugin, kept apart.
    if (error instanceof PluginError) {
      const site = `${error.plugin} in ${error.hook}`;
      const seen = pluginCrashes.get(site) ?? { count: 0, example: preview(source), error: String((error.cause as Error)?.stack ?? error.cause).split("\n").slice(0, 3).join(" | ") };
      seen.count++;
      pluginCrashes.set(site, seen);
      return;
    }
    if (errorInfo(error.code) === undefined || error.message === "") throw new Error(`malformed EnvforgeError ${error.code}`, { cause: error });
    counts.set(error.code, (counts.get(error.code) ?? 0) + 1);
  }
}

const fixtureFile = path.join(job.fixtures, "env.yaml");
try {
  if (job.property === "single") {
    await check(job.source!);
  } else if (job.property === "structured") {
    const seeds = corpus();
    const input = fc.oneof(
      { weight: 4, arbitrary: mutatedSeed(seeds).map(({ seed, data }) => ({ data, dir: seed.dir, file: seed.file })) },
      { weight: 3, arbitrary: schemaShaped.map((data) => ({ data: data as unknown, dir: job.fixtures, file: fixtureFile })) },
      { weight: 1, arbitrary: value.map((data) => ({ data, dir: job.fixtures, file: fixtureFile })) },
    );
    await fc.assert(
      fc.asyncProperty(input, fc.boolean(), ({ data, dir, file }, text) => check(text ? { text: asYaml(data), file, dir } : { object: data, file, dir })),
      { seed: job.seed, numRuns: job.runs, endOnFailure: true },
    );
  } else {
    const seeds = corpus();
    const pieces = ["a: ", "- ", "&x ", "*x", "<<: *x\n", "!!binary ", "!!str ", "? ", "|\n  ", ">\n  ", "{", "}", "[", "]", ",", "\n", "  ", "'", '"', "python:\n  pip:\n", "  - numpy\n", "%TAG ! tag:x,2000:\n---\n"];
    const input = fc.oneof(
      { weight: 3, arbitrary: mutatedText(seeds).map(({ seed, text }) => ({ text, dir: seed.dir, file: seed.file })) },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((text) => ({ text, dir: job.fixtures, file: fixtureFile })) },
      { weight: 1, arbitrary: fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((parts) => ({ text: parts.join(""), dir: job.fixtures, file: fixtureFile })) },
    );
    await fc.assert(
      fc.asyncProperty(input, ({ text, dir, file }) => check({ text, file, dir })),
      { seed: job.seed, numRuns: job.runs, endOnFailure: true },
    );
  }
  say({ type: "done", inputs: index, hashed, refused: Object.fromEntries([...counts].sort()), pluginCrashes: Object.fromEntries(pluginCrashes) });
} catch (error) {
  // fast-check keeps what the predicate threw as the cause: that is the finding.
  const cause = (error as Error)?.cause as Error | undefined;
  say({ type: "failure", message: `${(error as Error)?.message ?? String(error)}\nGot: ${cause?.stack ?? cause?.message ?? String(cause)}` });
}
