import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { repoRoot } from "../config.js";
import { compareRuns } from "../harness.js";
import type { CaseResult, TargetCheck } from "../model.js";
import { checkTarget, skippedTarget } from "../targets.js";
import { processMs } from "../wall-time.js";
import type { SuiteContext } from "./context.js";

const CLI = path.join(repoRoot, "packages", "cli", "bin", "envforge.js");
/** The README's example: two wheels, one pinned, one resolved (examples/hello). */
const EXAMPLE_WHEELS = path.join(repoRoot, "examples", "hello", "wheels");
const EXAMPLE = ["envforge-hello==1.0.0", "envforge-greeting"];
const LARGE = { wheels: 40, modules: 12 };

const describeMiss = (t: number) => `a venv build (miss) of the example's wheels at least ${t}x faster than \`python3 -m venv\` + \`pip install\` of the same wheels`;

// Wheels made by Python's zipfile (the suite needs python3 anyway): LARGE.wheels projects of
// LARGE.modules modules each, a chain of dependencies so pip resolves something.
const MAKE_WHEELS = `
import base64, hashlib, os, sys, zipfile
out, count, modules = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out, exist_ok=True)
for i in range(count):
    name = "envforge_bench_%02d" % i
    info = "%s-1.0.dist-info" % name
    body = "".join("def f%d(x):\\n    return [x * k for k in range(%d)]\\n\\n" % (k, k) for k in range(40))
    files = {"%s/__init__.py" % name: "VERSION = '1.0'\\n"}
    for m in range(modules):
        files["%s/m%02d.py" % (name, m)] = body
    requires = "Requires-Dist: envforge-bench-%02d>=1.0\\n" % (i + 1) if i + 1 < count else ""
    files[info + "/METADATA"] = "Metadata-Version: 2.1\\nName: envforge-bench-%02d\\nVersion: 1.0\\n%s" % (i, requires)
    files[info + "/WHEEL"] = "Wheel-Version: 1.0\\nGenerator: envforge-bench\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    record = []
    for n, t in files.items():
        d = t.encode()
        record.append("%s,sha256=%s,%d" % (n, base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode(), len(d)))
    files[info + "/RECORD"] = "\\n".join(record + [info + "/RECORD,,"]) + "\\n"
    with zipfile.ZipFile(os.path.join(out, "%s-1.0-py3-none-any.whl" % name), "w", zipfile.ZIP_DEFLATED) as z:
        for n, t in sorted(files.items()):
            z.writestr(zipfile.ZipInfo(n, (2026, 1, 1, 0, 0, 0)), t)
`;

/** Why venvs cannot be built here, or undefined. */
async function unavailable(): Promise<string | undefined> {
  const probe = await execa("python3", ["-c", "import venv, ensurepip, pip"], { reject: false });
  if (probe.exitCode !== 0) return "python3 with venv, ensurepip and pip is not installed";
  if (!existsSync(path.join(repoRoot, "packages", "cli", "dist", "main.js"))) return "the CLI is not built (npx tsc -b)";
  return undefined;
}

interface WheelSet {
  id: string;
  title: string;
  wheels: string;
  requirements: string[];
  notes: string[];
}

/**
 * One case: a venv built by `envforge build --target venv` in a fresh process with a cache folder
 * it has never used and a definition it has never seen (each round adds a `!=0.0.N` clause that
 * changes the hash, not what pip installs), beside what a user does by hand with the same wheels
 * offline: `python3 -m venv` + the venv's `pip install` (ensurepip included, as always), and the
 * fast hand-made way (`--without-pip`, then the host's `pip --python`) as information.
 */
async function venvCase(ctx: SuiteContext, set: WheelSet, runs: number): Promise<CaseResult> {
  const dir = ctx.scratch(path.join("miss", set.id));
  let round = 0;
  const fresh = (what: string) => {
    const d = path.join(dir, `${what}-${process.pid}-${++round}`);
    rmSync(d, { recursive: true, force: true });
    return d;
  };
  const pipArgs = ["install", "--disable-pip-version-check", "--no-index", "--find-links", set.wheels, ...set.requirements];
  const envforge = async () => {
    const work = fresh("envforge");
    mkdirSync(work, { recursive: true });
    const file = path.join(work, "env.yaml");
    // `!=0.0.N` excludes a version no wheel has: a new hash, the same install.
    const [first, ...rest] = set.requirements;
    const never = `${first}${/[=<>!~]/.test(first!) ? "," : ""}!=0.0.${round}`;
    writeFileSync(file, `name: miss-${round}\npython:\n  pip:\n${[never, ...rest].map((r) => `    - "${r}"`).join("\n")}\n`);
    const ms = await processMs(process.execPath, [CLI, "build", file, "--target", "venv", "--cache-dir", path.join(work, "cache"), "--quiet", "-o", `pip.findLinks=${set.wheels}`, "-o", "pip.noIndex=true"]);
    rmSync(work, { recursive: true, force: true });
    return ms;
  };
  const byHand = async () => {
    const venv = fresh("pip");
    const started = performance.now();
    await execa("python3", ["-m", "venv", venv]);
    await execa(path.join(venv, "bin", "python"), ["-m", "pip", ...pipArgs], { stdout: "ignore" });
    const ms = performance.now() - started;
    rmSync(venv, { recursive: true, force: true });
    return ms;
  };
  const fastByHand = async () => {
    const venv = fresh("pip-python");
    const started = performance.now();
    await execa("python3", ["-m", "venv", "--without-pip", venv]);
    await execa("python3", ["-m", "pip", "--python", path.join(venv, "bin", "python"), ...pipArgs], { stdout: "ignore" });
    const ms = performance.now() - started;
    rmSync(venv, { recursive: true, force: true });
    return ms;
  };
  const rows = await compareRuns(
    [
      { name: "envforge build --target venv (miss) — whole process", role: "envforge", run: envforge, note: "pip in the venv, the lock, the content digest and the entry included" },
      { name: "python3 -m venv + pip install", role: "peer", run: byHand },
      { name: "python3 -m venv --without-pip + pip --python (no pip in the venv)", role: "info", run: fastByHand },
    ],
    runs,
  );
  return { suite: "miss", id: set.id, title: set.title, unit: "ms", rows, notes: set.notes };
}

/**
 * The miss path (issue #19): what a build of an environment never built before costs, against
 * doing it by hand. Each figure is a whole process (or pair of processes) timed by this one.
 */
export async function missSuite(ctx: SuiteContext): Promise<{ cases: CaseResult[]; targets: TargetCheck[] }> {
  const overrides = ctx.config.targets;
  const why = await unavailable();
  const caseOf = (id: string, title: string): CaseResult => ({ suite: "miss", id, title, unit: "ms", rows: [], skipped: why });
  if (why) return { cases: [caseOf("miss-venv-example", "Venv build (miss), the example's wheels")], targets: [skippedTarget("miss:venv-vs-pip", overrides, describeMiss, `skipped: ${why}`)] };

  const runs = ctx.config.smoke ? 1 : Math.min(ctx.config.processRuns, 7);
  const example = await venvCase(
    ctx,
    { id: "miss-venv-example", title: "Venv build (miss), the example's two wheels", wheels: EXAMPLE_WHEELS, requirements: EXAMPLE, notes: ["examples/hello/wheels, offline (--no-index --find-links)", "a fresh cache folder and a never-seen hash each round"] },
    runs,
  );
  const cases = [example];
  if (!ctx.config.smoke) {
    const wheels = path.join(ctx.scratch("miss"), "large-wheels");
    await execa("python3", ["-c", MAKE_WHEELS, wheels, String(LARGE.wheels), String(LARGE.modules)]);
    cases.push(
      await venvCase(
        ctx,
        {
          id: "miss-venv-large",
          title: `Venv build (miss), ${LARGE.wheels} wheels of ${LARGE.modules} modules`,
          wheels,
          requirements: ["envforge-bench-00"],
          notes: [`${LARGE.wheels} wheels made here, each requiring the next (pip resolves the chain), ${LARGE.wheels * LARGE.modules} modules to byte-compile`],
        },
        Math.min(runs, 5),
      ),
    );
  }
  const ours = example.rows.find((r) => r.role === "envforge")!;
  const pip = example.rows.find((r) => r.role === "peer")!;
  const factor = pip.stats.p50 / ours.stats.p50;
  const targets = [
    checkTarget("miss:venv-vs-pip", overrides, {
      describe: describeMiss,
      value: factor,
      measured: `${factor.toFixed(2)}x (${ours.stats.p50.toFixed(0)} ms vs ${pip.stats.p50.toFixed(0)} ms)`,
    }),
  ];
  return { cases, targets };
}
