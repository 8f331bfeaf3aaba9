import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/paths.js";
import { runCli } from "./support.js";

/**
 * Every environment variable envforge reads is listed in `envforge --help` and in the README's
 * table, so the list cannot drift: the sources of the packages and plugins (not their tests,
 * whose ENVFORGE_TEST_* and the benchmarks' ENVFORGE_BENCH_* are documented where they are used)
 * are scanned for `ENVFORGE_…` names.
 */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ts$/.test(e.name) && !/\.test\.ts$|^test-support\.ts$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

function namesInSources(): Map<string, string> {
  const found = new Map<string, string>();
  for (const group of ["packages", "plugins"]) {
    for (const pkg of readdirSync(path.join(repoRoot, group))) {
      const src = path.join(repoRoot, group, pkg, "src");
      let files: string[];
      try {
        files = sourceFiles(src);
      } catch {
        continue;
      }
      for (const file of files) {
        for (const m of readFileSync(file, "utf8").matchAll(/ENVFORGE_[A-Z0-9_]*[A-Z0-9]/g)) {
          if (!found.has(m[0])) found.set(m[0], path.relative(repoRoot, file));
        }
      }
    }
  }
  return found;
}

/** The names in the first column of the README's "Environment variables" table. */
function readmeTable(): string[] {
  const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
  const start = readme.indexOf("### Environment variables");
  expect(start, "README has an Environment variables section").toBeGreaterThan(-1);
  const section = readme.slice(start, readme.indexOf("\n#", start + 10));
  return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
}

async function helpSection(): Promise<string> {
  const run = await runCli(["--help"]);
  expect(run.code).toBe(0);
  const at = run.stdout.indexOf("Environment variables:");
  expect(at, "--help has an Environment variables section").toBeGreaterThan(-1);
  return run.stdout.slice(at);
}

describe("environment variables are documented", () => {
  const names = namesInSources();

  it("the scan finds the variables the CLI and plugins read", () => {
    for (const known of ["ENVFORGE_CACHE_DIR", "ENVFORGE_REGISTRY_CACHE", "ENVFORGE_IVY_JAR", "ENVFORGE_QUICK", "ENVFORGE_DEBUG"]) expect([...names.keys()]).toContain(known);
  });

  it("every ENVFORGE_ variable in the sources is in the README's table", () => {
    const table = readmeTable();
    const missing = [...names].filter(([name]) => !table.includes(name)).map(([name, file]) => `${name} (read in ${file})`);
    expect(missing, "add a row to the README's Environment variables table (and to packages/cli/src/environment.ts)").toEqual([]);
  });

  it("every ENVFORGE_ variable in the sources is in envforge --help", async () => {
    const help = await helpSection();
    const missing = [...names].filter(([name]) => !new RegExp(`^  ${name}\\s`, "m").test(help)).map(([name, file]) => `${name} (read in ${file})`);
    expect(missing, "add it to packages/cli/src/environment.ts").toEqual([]);
  });

  it("the README table and --help list the same variables, with their defaults", async () => {
    const help = await helpSection();
    const table = readmeTable();
    const helpNames = [...help.matchAll(/^ {2}(\S+)\s{2,}/gm)].map((m) => m[1]!);
    expect(helpNames).toEqual(table);
    expect(table).toEqual(expect.arrayContaining(["XDG_CACHE_HOME", "NO_COLOR", "JAVA_HOME", "DOCKER_HOST"]));
    for (const line of help.split("\n").slice(1).filter((l) => l.trim() !== "")) expect(line).toMatch(/; default: \S/);
  });
});
