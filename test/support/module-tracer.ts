import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

export interface ModuleTracer {
  dir: string;
  /** Node flags that install the tracer in a child process. */
  args: string[];
  /** Every module the child loaded: the URLs its ES module loader resolved, then (at exit) the files in require's cache. */
  loaded: () => string[];
}

/**
 * Records every module a fresh process loads: a module loader hook (`module.register`) for ES
 * modules, and require's cache at exit for CommonJS ones (the CLI's bundle requires its vendor
 * files).
 */
export function moduleTracer(): ModuleTracer {
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
  writeFileSync(
    path.join(dir, "register.mjs"),
    `import { appendFileSync } from "node:fs";\nimport { createRequire, register } from "node:module";\nimport { pathToFileURL } from "node:url";\n` +
      `register("./hooks.mjs", import.meta.url);\n` +
      `const required = createRequire(import.meta.url).cache;\n` +
      `process.on("exit", () => appendFileSync(${JSON.stringify(trace)}, Object.keys(required).map((f) => pathToFileURL(f).href + "\\n").join("")));\n`,
  );
  return {
    dir,
    args: ["--import", pathToFileURL(path.join(dir, "register.mjs")).href],
    loaded: () => readFileSync(trace, "utf8").split("\n").filter(Boolean),
  };
}
