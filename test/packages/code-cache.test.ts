import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BUNDLE_DIR, CLI_BIN } from "../support/bundle.js";

/**
 * The binary compiles its bundle with V8's code cache (bin/envforge.js): one file per script (and
 * per vendor file a command requires) and command word, named by the script's identity (size,
 * inode, device, modification and change times), Node's version and the architecture, written
 * after a successful command. V8 does not check the data's bytes (altered bytes crash it), so the
 * file carries their digest and altered data is never used. Not timed: what is written, and that
 * the answers never change. `schema` is a command no other test runs through the binary.
 */
function cacheKey(file: string): string {
  const s = statSync(file, { bigint: true });
  return createHash("sha256").update(`${s.size}\0${s.ino}\0${s.dev}\0${s.mtimeNs}\0${s.ctimeNs}\0${process.version}\0${process.arch}`).digest("hex").slice(0, 32);
}
const key = cacheKey(path.join(BUNDLE_DIR, "envforge.cjs"));
const cacheFile = path.join(BUNDLE_DIR, ".v8-cache", `envforge-${key}-schema.bin`);
const dir = mkdtempSync(path.join(os.tmpdir(), "envforge-code-cache-"));
const schema = () => execFileSync(process.execPath, [CLI_BIN, "--cache-dir", path.join(dir, "cache"), "schema"], { encoding: "utf8" });

/** A copy of the binary and its bundle, without a code cache: the bundle requires nothing but Node's own modules. */
function copyOfBinary(name: string): string {
  const copy = path.join(dir, name);
  cpSync(path.join(CLI_BIN, ".."), path.join(copy, "bin"), { recursive: true });
  for (const f of ["quick.cjs", "envforge.cjs", "vendor"]) cpSync(path.join(BUNDLE_DIR, f), path.join(copy, "bundle", f), { recursive: true });
  cpSync(path.join(BUNDLE_DIR, "..", "package.json"), path.join(copy, "package.json")); // the version it reports
  return copy;
}

describe("the binary's code cache", () => {
  it("is written after a command, named by the script's identity, and the answer is the same with it", () => {
    rmSync(cacheFile, { force: true });
    const first = schema();
    expect(existsSync(cacheFile)).toBe(true);
    const data = readFileSync(cacheFile);
    expect(createHash("sha256").update(data.subarray(32)).digest().equals(data.subarray(0, 32))).toBe(true);
    expect(schema()).toBe(first);
  });

  it("altered data is not used (no crash, the same answer) and is written anew", () => {
    const first = schema();
    const data = readFileSync(cacheFile);
    // The header V8 checks stays; bytes of the payload change.
    const altered = Buffer.from(data);
    altered.fill(7, 32 + 200, 32 + 260);
    writeFileSync(cacheFile, altered);
    expect(schema()).toBe(first);
    const rewritten = readFileSync(cacheFile);
    expect(createHash("sha256").update(rewritten.subarray(32)).digest().equals(rewritten.subarray(0, 32))).toBe(true);
  });

  it("a failed command writes none", () => {
    const file = path.join(BUNDLE_DIR, ".v8-cache", `envforge-${key}-validate-missing.bin`);
    expect(() => execFileSync(process.execPath, [CLI_BIN, "--cache-dir", path.join(dir, "cache"), "validate-missing"], { stdio: "ignore" })).toThrow();
    expect(existsSync(file)).toBe(false);
  });

  it("a vendor file a command requires gets its own cache, and the answer is the same with it", () => {
    const folder = path.join(dir, "with-steps");
    mkdirSync(folder, { recursive: true });
    const file = path.join(folder, "env.yaml");
    writeFileSync(file, 'name: steps\ndocker:\n  baseImage: busybox:1.36\n  steps:\n    - RUN echo "code cache"\n');
    const vendorCache = path.join(BUNDLE_DIR, ".v8-cache", `dockerfile-ast-${cacheKey(path.join(BUNDLE_DIR, "vendor", "dockerfile-ast.cjs"))}-dockerfile.bin`);
    rmSync(vendorCache, { force: true });
    const render = () => execFileSync(process.execPath, [CLI_BIN, "--cache-dir", path.join(dir, "cache"), "dockerfile", "--quiet", file], { encoding: "utf8" });
    const first = render();
    expect(first).toContain('RUN echo "code cache"');
    expect(existsSync(vendorCache)).toBe(true);
    expect(render()).toBe(first);
  });

  it("a script changed in place, even to the same size and modification time, never reads the old cache", () => {
    const copy = copyOfBinary("copy");
    const bin = path.join(copy, "bin", "envforge.js");
    const run = () => execFileSync(process.execPath, [bin, "--cache-dir", path.join(dir, "cache"), "schema"], { encoding: "utf8" });
    const caches = () => readdirSync(path.join(copy, "bundle", ".v8-cache")).filter((f) => f.startsWith("envforge-"));
    const first = run();
    expect(caches()).toHaveLength(1);
    const script = path.join(copy, "bundle", "envforge.cjs");
    const before = statSync(script);
    // Same length, one byte of a comment-free spot changed to an equivalent one, times put back.
    const text = readFileSync(script, "utf8");
    const at = text.indexOf('"use strict";');
    expect(at).toBeGreaterThanOrEqual(0);
    writeFileSync(script, `${text.slice(0, at)}'use strict';${text.slice(at + 13)}`);
    utimesSync(script, before.atime, before.mtime);
    expect(statSync(script).size).toBe(before.size);
    expect(run()).toBe(first);
    expect(caches()).toHaveLength(2);
  });

  it("a read-only install keeps it in the user's own private cache folder; a writable one never does", () => {
    const copy = copyOfBinary("read-only");
    // A file where the cache folder would be: nothing can be written there, even by root.
    writeFileSync(path.join(copy, "bundle", ".v8-cache"), "");
    const xdg = path.join(dir, "xdg");
    const env = { ...process.env, XDG_CACHE_HOME: xdg };
    const run = (bin: string) => execFileSync(process.execPath, [bin, "--cache-dir", path.join(dir, "cache"), "schema"], { encoding: "utf8", env });
    const bin = path.join(copy, "bin", "envforge.js");
    const own = path.join(xdg, "envforge-code-cache");
    const file = path.join(own, `envforge-${cacheKey(path.join(copy, "bundle", "envforge.cjs"))}-schema.bin`);

    const first = run(bin);
    expect(first).toBe(schema());
    expect(existsSync(file)).toBe(true);
    if (process.platform !== "win32") {
      expect(statSync(own).mode & 0o777).toBe(0o700);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    // Read, not written anew: a missing or refused cache is rewritten after every successful command.
    const before = statSync(file);
    expect(run(bin)).toBe(first);
    expect(statSync(file).ino).toBe(before.ino);
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);

    // A folder others can write to is not the user's own: nothing is written there.
    if (process.platform !== "win32") {
      rmSync(own, { recursive: true });
      mkdirSync(own, { recursive: true });
      chmodSync(own, 0o777);
      expect(run(bin)).toBe(first);
      expect(readdirSync(own)).toEqual([]);
    }

    // The repository's bundle is writable: its cache stays beside it.
    const other = path.join(dir, "xdg-unused");
    execFileSync(process.execPath, [CLI_BIN, "--cache-dir", path.join(dir, "cache"), "schema"], { encoding: "utf8", env: { ...process.env, XDG_CACHE_HOME: other } });
    expect(existsSync(other)).toBe(false);
  });
});
