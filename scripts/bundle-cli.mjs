#!/usr/bin/env node
// The `envforge` command as users run it: packages/cli/src/bin.ts and everything it reaches (core,
// the bundled plugins, the workspace, their dependencies) bundled from the sources into one
// script, packages/cli/bundle/envforge.cjs (and quick.cjs, see below), which bin/envforge.js compiles with V8's code cache
// (Node 20 has no compile cache for modules). Resolving and compiling a few hundred modules was
// most of a short command's time. Code a command may never need is initialised on first use
// (every dynamic import), and the heaviest dependencies — execa, ioredis, rattler's WASM,
// dockerfile-ast, fast-xml-parser — are files of their own under bundle/vendor/, required only
// then (a pip-only `envforge hash` requires none of them).
//
// `npm run setup` (root `prepare`), the CLI's `build` and `prepack` and the test run's global
// setup run it; it takes about a second. `--check`: exit 1 if the bundle on disk is not what the
// sources make now. The metafile (`bundle/.meta.json`, not shipped) names each file's sources.
import { Buffer } from "node:buffer";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(root, "packages", "cli");
const outdir = path.join(cli, "bundle");
const META = ".meta.json";
/** The loader's code caches (bin/envforge.js): never an output, cleared when the script changes. */
const CODE_CACHE = ".v8-cache";

/** Dependencies big enough to keep out of the script: each is bundle/vendor/<file>.cjs. */
const VENDOR = new Map([
  ["execa", "execa"],
  ["ioredis", "ioredis"],
  ["@conda-org/rattler", "rattler"],
  ["dockerfile-ast", "dockerfile-ast"],
  ["fast-xml-parser", "fast-xml-parser"],
]);

/**
 * An import of a vendored package becomes `require("./vendor/<file>.cjs")` (a dynamic import, a
 * promise of it), and the real file it resolved to becomes that vendor file's entry point.
 */
const vendorEntries = new Map();
const vendored = {
  name: "vendored",
  setup(b) {
    b.onResolve({ filter: /^[@a-z]/ }, async (args) => {
      const file = VENDOR.get(args.path);
      if (file === undefined || args.pluginData?.vendored) return undefined;
      const resolved = await b.resolve(args.path, { kind: "import-statement", importer: args.importer, resolveDir: args.resolveDir, pluginData: { vendored: true } });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      vendorEntries.set(`vendor/${file}`, resolved.path);
      return { path: `./vendor/${file}.cjs`, external: true };
    });
  },
};

/**
 * zod's `z` namespace re-exports every locale (about 260 KB minified, more than zod itself); the
 * CLI's messages are its own and zod's default is English, so only `en` stays.
 */
const englishOnlyZod = {
  name: "zod-english-only",
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";\n',
      resolveDir: path.dirname(args.path),
    }));
  },
};

/**
 * The workspace finds its curated environments beside its own module (`curated.ts`); inside the
 * bundle that module is packages/cli/bundle/envforge.cjs, so it asks where the installed
 * @envforge/workspace package is instead (a dependency of the CLI, so always resolvable).
 */
const curatedBesideWorkspace = {
  name: "curated-beside-workspace",
  setup(b) {
    b.onLoad({ filter: /[\\/]packages[\\/]workspace[\\/]src[\\/]curated\.ts$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      if (!source.includes("import.meta.url")) throw new Error(`${args.path}: expected import.meta.url (update ${path.basename(fileURLToPath(import.meta.url))})`);
      return { contents: source.replaceAll("import.meta.url", "__efWorkspaceUrl()"), loader: "ts" };
    });
  },
};

/**
 * commander requires node:child_process at load, for executable subcommands envforge never
 * declares; that module brings net, dgram, stream… (a few ms of every start-up). Here it is
 * required on first use instead.
 */
const lazyCommanderChildProcess = {
  name: "commander-lazy-child-process",
  setup(b) {
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      const eager = "const childProcess = require('node:child_process');";
      if (!source.includes(eager)) throw new Error(`${args.path}: expected ${eager} (update ${path.basename(fileURLToPath(import.meta.url))})`);
      const lazy = "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };";
      return { contents: source.replace(eager, lazy), loader: "js" };
    });
  },
};

const common = { bundle: true, platform: "node", target: "node20", format: "cjs", minify: true, metafile: true, write: false, outdir, logLevel: "warning", absWorkingDir: cli };

// Two scripts: quick.cjs answers `--version` and a cached build (bin.ts), envforge.cjs is the
// rest of the CLI (bin-main.ts: main.ts), read only when the first does not answer.
const main = await build({
  ...common,
  entryPoints: { quick: path.join(cli, "src", "bin.ts"), envforge: path.join(cli, "src", "bin-main.ts") },
  outExtension: { ".js": ".cjs" },
  // The workspace packages' `source` export: the bundle is made from the TypeScript, not from dist/.
  conditions: ["source"],
  // A dynamic import becomes a promise of a lazily initialised module (or of a vendor file's
  // require): the script runs in a vm.Script, where `import()` is unavailable (outside modules,
  // --plugin ones, come through the binary's own import(), bin.ts `BinHost`).
  supported: { "dynamic-import": false },
  // Strict, as the ES modules it is made of. The sources' `new URL("../package.json",
  // import.meta.url)` (version.ts, pipeline.ts) is the CLI's package.json from bundle/ as from dist/.
  define: { "import.meta.url": "__efModuleUrl" },
  banner: {
    js: '"use strict"; var __efModuleUrl = require("node:url").pathToFileURL(__filename).href; var __efWorkspaceUrl = () => require("node:url").pathToFileURL(require.resolve("@envforge/workspace")).href;',
  },
  plugins: [vendored, englishOnlyZod, curatedBesideWorkspace, lazyCommanderChildProcess],
});
const vendor = await build({ ...common, entryPoints: Object.fromEntries(vendorEntries), outExtension: { ".js": ".cjs" } });

const outputs = new Map([...main.outputFiles, ...vendor.outputFiles].map((f) => [f.path, f.contents]));
const metafile = { inputs: { ...main.metafile.inputs, ...vendor.metafile.inputs }, outputs: { ...main.metafile.outputs, ...vendor.metafile.outputs } };
outputs.set(path.join(outdir, META), Buffer.from(`${JSON.stringify(metafile)}\n`));
const same = (file, contents) => existsSync(file) && Buffer.compare(readFileSync(file), contents) === 0;
const scripts = ["quick.cjs", "envforge.cjs"].map((f) => path.join(outdir, f));
for (const name of VENDOR.values()) if (!outputs.has(path.join(outdir, "vendor", `${name}.cjs`))) throw new Error(`bundle-cli: nothing imports ${name} any more: drop it from VENDOR`);

if (process.argv.includes("--check")) {
  const stale = [...outputs].filter(([file, contents]) => !same(file, contents));
  if (stale.length > 0) {
    console.error(`bundle-cli: packages/cli/bundle is out of date (${stale.length} file(s)); run node scripts/bundle-cli.mjs`);
    process.exit(1);
  }
  process.exit(0);
}

// Vendor files first, the scripts last, each through a rename. Files no output names any more are
// removed at the end.
const write = (file, contents) => {
  if (same(file, contents)) return false;
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, contents);
  renameSync(temp, file);
  return true;
};
for (const [file, contents] of outputs) if (!scripts.includes(file)) write(file, contents);
// Code caches are named by their script's identity; a new script makes the old ones garbage.
if (scripts.map((file) => write(file, outputs.get(file))).some(Boolean)) rmSync(path.join(outdir, CODE_CACHE), { recursive: true, force: true });
const prune = (dir) => {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, d.name);
    if (d.isDirectory()) {
      if (d.name === CODE_CACHE) continue;
      prune(file);
      if (readdirSync(file).length === 0) rmSync(file, { recursive: true });
    } else if (!outputs.has(file)) rmSync(file, { force: true });
  }
};
prune(outdir);
if (process.argv.includes("--sizes")) {
  for (const [file, o] of Object.entries(metafile.outputs).sort((a, b) => b[1].bytes - a[1].bytes)) console.log(`${String(o.bytes).padStart(9)} ${file}`);
}
