import { ENV_NAMES, SUITES } from "./config.js";
import { TARGETS } from "./targets.js";

const env = (flag: keyof typeof ENV_NAMES) => `  [ENVFORGE_BENCH_${ENV_NAMES[flag]}]`;

/** `pnpm bench --help`: everything the runner accepts, and nothing is run. */
export function usage(): string {
  const targets = Object.entries(TARGETS).map(([id, t]) => `  ${id.padEnd(24)} ${t.op.padEnd(2)} ${String(t.threshold).padEnd(7)} ${t.value}`);
  return `Usage: pnpm bench [options]            (npm run bench -- [options])
       pnpm bench --spec FILE [FILE…] [--store MODULE] [options]

Benchmarks envforge beside its peers and the limit (what the machine cannot beat), writes
results.json, results.md and chart.svg, and checks the performance targets.

Suites (default: all; only the --spec cases with --spec; only cache with --store alone):
  ${SUITES.join(", ")}

What to measure:
  --suites LIST          comma-separated suites to run${env("suites")}
  --spec FILE…           your own definitions, read in place: hash from the file, hash of the
                         parsed definition (beside generic JSON hashers), cache hit; repeatable
  --store MODULE         your own cache store (an ES module; see PERFORMANCE.md "Your own cache
                         store"), measured beside envforge's in the cache rows and --spec hits
  --sizes LIST           cache sizes, e.g. 10k,100k,1m (default 10k,100k,1m)${env("sizes")}
  --scaling LIST         requirement counts of the scaling suite (default 10,…,2000)${env("scaling")}
  --concurrency LIST     p-limit concurrencies (default 1,2,4,8,16)${env("concurrency")}
  --rounds N             rounds per case; figures are medians (default 5)${env("rounds")}
  --time MS              time per subject per round (default 250)${env("time")}
  --process-runs N       fresh processes per process-level figure (default 21)${env("process-runs")}
  --docker auto|off      the Docker comparison (default auto: skipped when no daemon answers)${env("docker")}
  --smoke                tiny counts, everything once; figures meaningless (what the tests run)${env("smoke")}

Where results go:
  --out DIR              results folder (default: a new benchmarks/out/<time>/, git-ignored;
                         with --smoke a folder under the OS temp dir)${env("out")}
  --work-dir DIR         filled stores and scratch files, kept for later runs (default
                         benchmarks/out/work/, about 13 GB for a full run)${env("work-dir")}
  --update-docs          also rewrite the tracked benchmarks/results/* and benchmarks/PERFORMANCE.md
                         (a full run of the built-in suites only)

Targets:
  --target ID=VALUE      another threshold for a target (repeatable)
  --no-targets           measure and report only: an unmet target does not fail the run
  -h, --help             this help; runs nothing, writes nothing

  id                       threshold  value compared
${targets.join("\n")}

  process:hit-vs-docker measures engine.build of the definition's text in the benchmark's own
  warm engine (what a platform embedding envforge meets: definitions from its API); the row from
  the definition file and the whole-process rows of the same image are beside it.
  miss:venv-vs-pip runs the CLI in a fresh process with a new cache folder each round.

Exit status: 0 targets met (or skipped, or informational; or --no-targets), 4 a target not met
(listed last), 1 a command line or input refused, 3 the run failed.
`;
}
