import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { CLI_BIN, vendorFile } from "../support/bundle.js";
import { moduleTracer as tracer } from "../support/module-tracer.js";

/**
 * The conda solver (rattler, a 4 MB WASM bundle) is loaded only when a conda section is resolved
 * or locked: a host that imports the conda plugin, and every CLI command on a definition without
 * a conda section, never loads it. Each case runs in a fresh Node process whose module loader
 * records every module it loads (test/support/module-tracer.ts), over the built packages (dist/)
 * or, for the command, its bundle.
 */
const testDir = path.resolve(import.meta.dirname, "..");
const RATTLER = /\/@conda-org\/rattler\//;

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
    const out = execFileSync(process.execPath, [...t.args, CLI_BIN, "--cache-dir", path.join(t.dir, "cache"), "hash", path.join(t.dir, "env.yaml")], { encoding: "utf8" });
    expect(out).toMatch(/efh1:/);
    // The bundle keeps rattler in a file of its own (bundle/vendor/rattler.cjs), required only for a conda section.
    expect(t.loaded().filter((url) => RATTLER.test(url) || url.endsWith(pathToFileURL(vendorFile("rattler")).href))).toEqual([]);
  });
});
