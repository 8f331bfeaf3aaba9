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
// version, flags and source length; altered bytes crash it). It is written beside the bundle where
// the package is writable — whoever can write there can already change the bundle. A read-only
// install (a global install as root, an image's read-only root) keeps it in the user's own cache
// folder instead ($XDG_CACHE_HOME, ~/.cache, ~/Library/Caches or %LOCALAPPDATA%, then
// envforge-code-cache), made private (0700) and used only while it stays so: owned by the user and
// writable by no one else, so only someone who could already change what the user runs can change
// it. The cache is never needed: without it the script compiles as usual.
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
const bundleCache = path.join(bundle, ".v8-cache");
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
  const cacheName = `${path.basename(name, ".cjs")}-${key}-${command}.bin`;
  let cachedData = readCache(path.join(bundleCache, cacheName));
  if (cachedData === undefined) {
    // Only where the bundle holds none (a read-only install): a writable one never looks further.
    const own = userCache();
    if (own !== undefined && isPrivate(own)) cachedData = readCache(path.join(own, cacheName));
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
  if (cachedData === undefined || script.cachedDataRejected) toWrite.push({ script, cacheName });
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

/** The data of a cache file whose digest holds, else undefined. */
function readCache(file) {
  try {
    const stored = readFileSync(file);
    const data = stored.subarray(DIGEST_BYTES);
    if (stored.length > DIGEST_BYTES && createHash("sha256").update(data).digest().equals(stored.subarray(0, DIGEST_BYTES))) return data;
  } catch {
    // No cache (or none readable): the script compiles as usual.
  }
  return undefined;
}

/** The user's own cache folder for a read-only install (see the top of this file), or undefined. */
function userCache() {
  const env = process.env;
  let base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : undefined;
  if (base === undefined && process.platform === "win32") base = env.LOCALAPPDATA;
  if (base === undefined) {
    let home;
    try {
      home = require("node:os").homedir();
    } catch {
      return undefined; // no home (a user without one): no cache
    }
    base = process.platform === "darwin" ? path.join(home, "Library", "Caches") : path.join(home, ".cache");
  }
  // Not inside envforge/ (the default local build cache, $XDG_CACHE_HOME/envforge): its own folder.
  return base ? path.join(base, "envforge-code-cache") : undefined;
}

/** A folder only this user can write to (where POSIX owners exist): its data is theirs. */
function isPrivate(dir) {
  try {
    const s = statSync(dir);
    if (!s.isDirectory()) return false;
    return typeof process.getuid !== "function" || (s.uid === process.getuid() && (s.mode & 0o022) === 0);
  } catch {
    return false;
  }
}

/**
 * Written after the command, so the data holds every function it compiled: beside the bundle, or,
 * where the package cannot be written to, in the user's own private cache folder.
 */
function writeCaches() {
  let own;
  for (const { script, cacheName } of toWrite) {
    let bytes;
    try {
      const data = script.createCachedData();
      bytes = Buffer.concat([createHash("sha256").update(data).digest(), data]);
    } catch {
      continue; // V8 made no data: the next run compiles as usual
    }
    if (writeCache(bundleCache, cacheName, bytes)) continue;
    own ??= userCache() ?? null;
    if (own !== null) writeCache(own, cacheName, bytes, true);
  }
}

/** Writes `bytes` as `dir/name` atomically; false when it cannot (a read-only folder, a full disk). */
function writeCache(dir, name, bytes, mustBePrivate = false) {
  const file = path.join(dir, name);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, mustBePrivate ? { recursive: true, mode: 0o700 } : { recursive: true });
    if (mustBePrivate && !isPrivate(dir)) return false;
    writeFileSync(temp, bytes, { mode: mustBePrivate ? 0o600 : 0o644 });
    renameSync(temp, file);
    return true;
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // Nothing was written.
    }
    return false;
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
