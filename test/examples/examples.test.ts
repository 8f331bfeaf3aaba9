import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * examples/* as users get them: `scripts/run-examples.mjs` packs the packages (`pnpm pack`),
 * installs each example outside the repository with npm from those tarballs, builds it with its own
 * TypeScript and runs its checks (embed-host: the README's embedding code, miss then hit with a
 * relative ./wheels, E_INVALID_REQUIREMENT, one copy of core; plugin-echo: a third-party plugin on
 * @envforge/core/testing). Needs the built dist/ (`tsc -b`) and the npm registry.
 */
const repoRoot = path.resolve(import.meta.dirname, "../..");

/** Runs one example; returns the folder it was installed in (kept until the caller removes it). */
function runExample(name: string): string {
  let out: string;
  try {
    out = execFileSync(process.execPath, [path.join(repoRoot, "scripts/run-examples.mjs"), name], {
      cwd: repoRoot,
      encoding: "utf8",
      env: { ...process.env, ENVFORGE_KEEP_EXAMPLES: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`run-examples ${name} failed:\n${e.stdout ?? ""}\n${e.stderr ?? ""}`, { cause: error });
  }
  const dir = /examples: \S+ in (\S+)/.exec(out)?.[1];
  if (!dir) throw new Error(`run-examples ${name} printed no folder:\n${out}`);
  return dir;
}

describe("the examples, installed from tarballs outside the repository", () => {
  it("embed-host: the README's embedding example runs, and a host of core + plugin-pip gets nothing else", () => {
    const dir = runExample("embed-host");
    try {
      // The closure of core + plugin-pip: python (what pip shares with conda) and nothing of the
      // other plugins — no conda solver, no image or docker code, no Redis client.
      expect(readdirSync(path.join(dir, "node_modules", "@envforge")).sort()).toEqual(["core", "plugin-pip", "python"]);
      for (const absent of ["@conda-org", "dockerfile-ast", "@swimlane", "ioredis", "fast-xml-parser", "commander"]) {
        expect(existsSync(path.join(dir, "node_modules", absent)), absent).toBe(false);
      }
    } finally {
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  }, 900_000);

  it("plugin-echo: a third-party plugin builds and passes its checks on @envforge/core/testing", () => {
    const dir = runExample("plugin-echo");
    rmSync(path.dirname(dir), { recursive: true, force: true });
  }, 900_000);
});
