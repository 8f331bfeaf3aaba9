#!/usr/bin/env node
// Runs the CLI's bundle (../bundle, made by scripts/bundle-cli.mjs; `npm run setup` makes it):
// quick.cjs answers `--version` and a cached `envforge build FILE`; otherwise envforge.cjs runs
// the full CLI. Each is compiled as a script with V8's code cache, and so is each vendor file
// (bundle/vendor/*.cjs: dockerfile-ast, execa…) when the bundle requires it: compiling the CLI's
// code was most of a short command's time, and Node 20 caches no module's compilation.
//
// A cache (the compiled functions of a script's first successful run for that command word) is a
// file in ../bundle/.v8-cache named by the script's identity — its size, inode, modification and
// change times, so any write to it makes a new name; hashing the whole script each run cost more
// than a millisecond — Node's version and the architecture, so a changed script or another Node
// never reads it, and V8 refuses data of another V8 or other flags (it is then written anew). The
// file carries the digest of its data, checked before V8 sees it (V8 checks only the data's
// version, flags and source length; altered bytes crash it). It is written only where the package
// itself is writable — whoever can write there can already change the bundle — and never needed:
// without it the script compiles as usual.
//
// CommonJS (bin/package.json): Node's module loader for ESM alone costs a few ms more at start-up.
"use strict";
const { createHash } = require("node:crypto");
const { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require("node:fs");
const { createRequire, Module } = require("node:module");
const path = require("node:path");
const { Script } = require("node:vm");
const { Buffer } = require("node:buffer");

const bundle = path.join(__dirname, "..", "bundle");
const argv = process.argv.slice(2);
const toWrite = [];
const DIGEST_BYTES = 32;

/**
 * The exports of a bundle script, compiled with its code cache when there is one. `command`
 * names the cache: each command's holds what that command compiled.
 */
function load(name, command) {
  const file = path.join(bundle, name);
  let source;
  let stat;
  try {
    stat = statSync(file, { bigint: true });
    source = readFileSync(file, "utf8");
  } catch (error) {
    if (error?.code !== "ENOENT") throw error;
    process.stderr.write(`envforge: the CLI's bundle is missing (${file}): run \`npm run setup\` or \`node scripts/bundle-cli.mjs\`\n`);
    process.exit(70);
  }
  const identity = `${stat.size}\0${stat.ino}\0${stat.dev}\0${stat.mtimeNs}\0${stat.ctimeNs}\0${process.version}\0${process.arch}`;
  const key = createHash("sha256").update(identity).digest("hex").slice(0, 32);
  const cacheFile = path.join(bundle, ".v8-cache", `${path.basename(name, ".cjs")}-${key}-${command}.bin`);
  let cachedData;
  try {
    const stored = readFileSync(cacheFile);
    const data = stored.subarray(DIGEST_BYTES);
    if (stored.length > DIGEST_BYTES && createHash("sha256").update(data).digest().equals(stored.subarray(0, DIGEST_BYTES))) cachedData = data;
  } catch {
    cachedData = undefined;
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  const require = requireFor(file, command);
  // A module as Node's loader makes one, in require's cache like any required file: one instance
  // whichever script asks first, and visible to whoever looks there (tests trace what was loaded).
  const module = new Module(file, null);
  module.filename = file;
  module.paths = [];
  require.cache[file] = module;
  script.runInThisContext()(module.exports, require, module, file, path.dirname(file));
  module.loaded = true;
  if (cachedData === undefined || script.cachedDataRejected) toWrite.push({ script, cacheFile });
  return module.exports;
}

/** Node's require for `file`, except that the bundle's vendor files go through `load` (and its cache). */
function requireFor(file, command) {
  const plain = createRequire(file);
  const require = (id) => {
    if (typeof id !== "string" || !id.startsWith("./vendor/")) return plain(id);
    const name = path.join("vendor", id.slice("./vendor/".length));
    return plain.cache[path.join(bundle, name)]?.exports ?? load(name, command);
  };
  require.resolve = plain.resolve;
  require.cache = plain.cache;
  return require;
}

/** Written after the command, so the data holds every function it compiled. */
function writeCaches() {
  for (const { script, cacheFile } of toWrite) {
    const temp = `${cacheFile}.${process.pid}.tmp`;
    try {
      mkdirSync(path.dirname(cacheFile), { recursive: true });
      const data = script.createCachedData();
      writeFileSync(temp, Buffer.concat([createHash("sha256").update(data).digest(), data]));
      renameSync(temp, cacheFile);
    } catch {
      // A read-only install runs without the cache.
      try {
        rmSync(temp, { force: true });
      } catch {
        // Nothing was written.
      }
    }
  }
}

async function run() {
  const quick = load("quick.cjs", "quick");
  const { code, io } = await quick.quick(argv);
  if (code === undefined) {
    const word = quick.commandWord(argv);
    const main = load("envforge.cjs", word !== undefined && /^[a-z][a-z-]{0,19}$/.test(word) ? word : "other").main;
    process.exitCode = await main(argv, { io, importModule: (url) => import(url) });
  } else process.exitCode = code;
  // A failed command (a typo, a bad definition) compiled little of what the command needs.
  if (process.exitCode === 0) writeCaches();
}

void run();
