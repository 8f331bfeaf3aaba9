import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The conda solver (rattler, a 4 MB WASM bundle) is loaded only when a conda section is resolved
 * or locked: a host that imports the conda plugin, and every CLI command on a definition without
 * a conda section, never loads it. Each case runs in a fresh Node process whose module loader
 * records every module it resolves (a `module.register` hook), over the built packages (dist/).
 */
const testDir = path.resolve(import.meta.dirname, "..");
const repoRoot = path.resolve(testDir, "..");
const RATTLER = /\/@conda-org\/rattler\//;

function tracer(): { dir: string; args: string[]; loaded: () => string[] } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "envforge-lazy-"));
  const trace = path.join(dir, "trace.txt");
  writeFileSync(trace, "");
  writeFileSync(
    path.join(dir, "hooks.mjs"),
    `import { appendFileSync } from "node:fs";\n` +
      `export async function resolve(specifier, context, next) {\n` +
      `  const result = await next(specifier, context);\n` +
      `  appendFileSync(${JSON.stringify(trace)}, result.url + "\\n");\n` +
      `  return result;\n}\n`,
  );
  writeFileSync(path.join(dir, "register.mjs"), `import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n`);
  return {
    dir,
    args: ["--import", pathToFileURL(path.join(dir, "register.mjs")).href],
    loaded: () => readFileSync(trace, "utf8").split("\n").filter(Boolean),
  };
}

/** Runs ES module code in a fresh process beside test/'s node_modules (the workspace packages). */
function runModule(args: string[], code: string, cwd: string): string {
  return execFileSync(process.execPath, [...args, "--input-type=module", "-e", code], { cwd, encoding: "utf8" });
}

const condaDefinition = ["python:", "  conda:", "    channels: [conda-forge]", '    dependencies: ["numpy >=1.26,<2", "python 3.11.*"]', ""].join("\n");
const pipDefinition = ["python:", "  pip:", '    - "requests==2.31.0"', ""].join("\n");

describe("the conda solver is loaded only for conda sections", () => {
  it("importing @envforge/plugin-conda and applying the plugin loads no rattler", () => {
    const t = tracer();
    runModule(t.args, `import { createEngine } from "@envforge/core"; import { condaPlugin } from "@envforge/plugin-conda"; createEngine({ plugins: [condaPlugin()], cacheDir: ${JSON.stringify(t.dir)} });`, testDir);
    const loaded = t.loaded();
    expect(loaded.some((url) => url.includes("/plugins/conda/dist/"))).toBe(true);
    expect(loaded.filter((url) => RATTLER.test(url))).toEqual([]);
  });

  it("hashing a definition with a conda section loads it (the tracer sees it)", () => {
    const t = tracer();
    writeFileSync(path.join(t.dir, "env.yaml"), condaDefinition);
    const out = runModule(
      t.args,
      `import { createEngine } from "@envforge/core"; import { condaPlugin } from "@envforge/plugin-conda"; import { pipPlugin } from "@envforge/plugin-pip";` +
        `const engine = createEngine({ plugins: [condaPlugin(), pipPlugin()], cacheDir: ${JSON.stringify(path.join(t.dir, "cache"))} });` +
        `console.log((await engine.hash(${JSON.stringify(path.join(t.dir, "env.yaml"))})).hash);`,
      testDir,
    );
    expect(out).toMatch(/^efh1:/m);
    expect(t.loaded().some((url) => RATTLER.test(url))).toBe(true);
  });

  it("the envforge command hashes a pip definition without loading it", () => {
    const t = tracer();
    writeFileSync(path.join(t.dir, "env.yaml"), pipDefinition);
    const bin = path.join(repoRoot, "packages/cli/bin/envforge.js");
    const out = execFileSync(process.execPath, [...t.args, bin, "--cache-dir", path.join(t.dir, "cache"), "hash", path.join(t.dir, "env.yaml")], { encoding: "utf8" });
    expect(out).toMatch(/efh1:/);
    expect(t.loaded().some((url) => url.includes("/packages/cli/dist/main.js"))).toBe(true);
    expect(t.loaded().filter((url) => RATTLER.test(url))).toEqual([]);
  });
});
