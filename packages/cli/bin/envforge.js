#!/usr/bin/env node
// Runs the CLI's bundle (../bundle, made by scripts/bundle-cli.mjs; `npm run setup` makes it):
// quick.cjs answers `--version` and a cached `envforge build FILE`; otherwise envforge.cjs runs
// the full CLI. Each is compiled as a script with V8's code cache: compiling the CLI's code was
// most of a short command's time, and Node 20 caches no module's compilation. A cache (the
// compiled functions of a script's first successful run for that command word) is a file in ../bundle/.v8-cache
// named by the digest of the script, Node's version and the architecture, so a changed script or
// another Node never reads it, and V8 refuses data of another V8 or other flags (it is then
// written anew); the file carries the digest of its data, checked before V8 sees it. It is written only where the package itself is writable — whoever can write
// there can already change the bundle — and never needed: without it the script compiles as usual.
//
// CommonJS (bin/package.json): Node's module loader for ESM alone costs a few ms more at start-up.
"use strict";
const { createHash } = require("node:crypto");
const { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
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
  try {
    source = readFileSync(file, "utf8");
  } catch (error) {
    if (error?.code !== "ENOENT") throw error;
    process.stderr.write(`envforge: the CLI's bundle is missing (${file}): run \`npm run setup\` or \`node scripts/bundle-cli.mjs\`\n`);
    process.exit(70);
  }
  const key = createHash("sha256").update(source).update(`\0${process.version}\0${process.arch}`).digest("hex").slice(0, 32);
  const cacheFile = path.join(bundle, ".v8-cache", `${path.basename(name, ".cjs")}-${key}-${command}.bin`);
  let cachedData;
  try {
    // V8 checks the data's version, flags and source length, not its bytes (altered bytes crash
    // it): the file starts with the SHA-256 of the data, and data that does not match is not used.
    const stored = readFileSync(cacheFile);
    const data = stored.subarray(DIGEST_BYTES);
    if (stored.length > DIGEST_BYTES && createHash("sha256").update(data).digest().equals(stored.subarray(0, DIGEST_BYTES))) cachedData = data;
  } catch {
    cachedData = undefined;
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, path.dirname(file));
  if (cachedData === undefined || script.cachedDataRejected) toWrite.push({ script, cacheFile });
  return module.exports;
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
