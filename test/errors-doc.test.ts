import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { BUILTIN_ERRORS, BUILTIN_WARNINGS } from "@envforge/core/plugin-kit";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support/paths.js";

/**
 * ERRORS.md is the code table as written by `npm run errors-doc` (scripts/errors-doc.mjs, which
 * reads the built packages), and it names every code the sources use.
 */
const doc = readFileSync(path.join(repoRoot, "ERRORS.md"), "utf8");
/** The codes ERRORS.md lists: the first cell of each table row. */
const documented = new Set([...doc.matchAll(/^\| `([EW]_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]!));

/** Every non-test TypeScript source of the packages and plugins. */
function sources(): string[] {
  const roots = ["packages", "plugins"].flatMap((group) =>
    readdirSync(path.join(repoRoot, group)).map((name) => path.join(repoRoot, group, name, "src")),
  );
  return roots
    .filter((root) => existsSync(root))
    .flatMap((root) => readdirSync(root, { recursive: true, encoding: "utf8" }).map((file) => path.join(root, file)))
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !file.endsWith(".d.ts") && !file.includes(`${path.sep}node_modules${path.sep}`));
}

describe("ERRORS.md", () => {
  it("is what the generator writes from the code table (npm run errors-doc)", () => {
    const built = ["packages/core/dist/plugin-kit.js", "packages/cli/dist/errors-doc.js"].every((f) => existsSync(path.join(repoRoot, f)));
    expect(built, "run `npx tsc -b` first: the generator reads the built packages").toBe(true);
    const check = spawnSync(process.execPath, [path.join(repoRoot, "scripts", "errors-doc.mjs"), "--check"], { cwd: repoRoot, encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  it("lists every built-in code", () => {
    for (const code of [...Object.keys(BUILTIN_ERRORS), ...Object.keys(BUILTIN_WARNINGS)]) expect(documented, code).toContain(code);
  });

  it("lists every code the sources name (a new code goes into the table, or the plugin's definePlugin)", () => {
    const files = sources();
    expect(files.length).toBeGreaterThan(50);
    const missing: string[] = [];
    for (const file of files) {
      for (const match of readFileSync(file, "utf8").matchAll(/["'`]([EW]_[A-Z0-9_]+)["'`]/g)) {
        if (!documented.has(match[1]!)) missing.push(`${path.relative(repoRoot, file)}: ${match[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
