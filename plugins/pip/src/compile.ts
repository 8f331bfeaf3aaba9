import { readdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { RunContext } from "./process.js";
import { runQuiet } from "./process.js";

/** Top-level entries of site-packages a compiler handles in one process, before another one helps. */
const ENTRIES_PER_PROCESS = 10;

/**
 * What to compile: each package folder and top-level module in site-packages, but not pip's own
 * (the seed, venv-seed.ts: compiling its ~600 modules would cost more than the rest of a small
 * build; they compile on first use) nor metadata folders.
 */
async function compilable(sitePackages: string): Promise<string[]> {
  const entries = await readdir(sitePackages, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => (e.isDirectory() ? e.name !== "pip" && e.name !== "__pycache__" && !/\.(dist-info|egg-info|data)$/.test(e.name) : e.name.endsWith(".py")))
    .map((e) => path.join(sitePackages, e.name))
    .sort();
}

/**
 * Byte-compiles what pip installed `--no-compile` (venv-seed.ts), as pip itself would have: each
 * module once, failures ignored (pip ignores them too: a package may ship a module only an older
 * Python could compile). Many packages are split over processes (disjoint folders: safe in
 * parallel). Its complaints go to the build log.
 */
export async function compileInstalled(python: string, sitePackages: string, ctx: RunContext, env: Record<string, string>): Promise<void> {
  const targets = await compilable(sitePackages);
  if (targets.length === 0) return;
  const processes = Math.max(1, Math.min(os.availableParallelism(), Math.ceil(targets.length / ENTRIES_PER_PROCESS)));
  const shares = Array.from({ length: processes }, (_, i) => targets.filter((_, j) => j % processes === i));
  const results = await Promise.all(shares.map((share) => runQuiet(python, ["-m", "compileall", "-q", ...share], ctx, env)));
  for (const result of results) {
    if (result.ok) continue;
    const said = `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-5);
    ctx.log(`some installed modules did not byte-compile (they compile on import, as pip leaves them): ${said.join(" | ")}`, "info");
  }
}
