import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BUNDLE_DIR, CLI_BIN } from "../support/bundle.js";

/**
 * The binary compiles its bundle with V8's code cache (bin/envforge.js): one file per script and
 * command word, named by the script's digest, Node's version and the architecture, written after
 * a successful command. V8 does not check the data's bytes (altered bytes crash it), so the file
 * carries their digest and altered data is never used. Not timed: what is written, and that the
 * answers never change. `schema` is a command no other test runs through the binary.
 */
const script = readFileSync(path.join(BUNDLE_DIR, "envforge.cjs"), "utf8");
const key = createHash("sha256").update(script).update(`\0${process.version}\0${process.arch}`).digest("hex").slice(0, 32);
const cacheFile = path.join(BUNDLE_DIR, ".v8-cache", `envforge-${key}-schema.bin`);
const dir = mkdtempSync(path.join(os.tmpdir(), "envforge-code-cache-"));
const schema = () => execFileSync(process.execPath, [CLI_BIN, "--cache-dir", path.join(dir, "cache"), "schema"], { encoding: "utf8" });

describe("the binary's code cache", () => {
  it("is written after a command, named by the script's digest, and the answer is the same with it", () => {
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
});
