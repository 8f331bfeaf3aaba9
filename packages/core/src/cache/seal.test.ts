import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync, cpSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { diffManifests, digestTree } from "./content-digest.js";
import { parseEntry } from "./entry-schema.js";
import { checkedEntry, checkSeal, takeSeal } from "./seal.js";
import type { CacheEntry } from "./types.js";

const HASH = `efh1:${"a".repeat(64)}` as CacheEntry["hash"];

/** A cache layout with one venv-like artifact folder and its entry (unsealed). */
function fixture() {
  const layout = path.join(mkdtempSync(path.join(os.tmpdir(), "envforge-seal-")), "v1");
  const artifact = path.join(layout, "artifacts", "venv", `${"a".repeat(64)}.1`);
  mkdirSync(path.join(artifact, "bin"), { recursive: true });
  mkdirSync(path.join(artifact, "lib", "site-packages", "pkg"), { recursive: true });
  writeFileSync(path.join(artifact, "lib", "site-packages", "pkg", "__init__.py"), "x = 1\n");
  writeFileSync(path.join(artifact, "bin", "python3"), "#!/bin/sh\n");
  symlinkSync("python3", path.join(artifact, "bin", "python"));
  const entry: CacheEntry = {
    schema: 1,
    hash: HASH,
    target: "venv",
    generation: 1,
    builder: "pip",
    artifact: { kind: "venv", path: artifact },
    timings: { startedAt: "2026-01-01T00:00:00Z", finishedAt: "2026-01-01T00:00:01Z", durationMs: 1000 },
    canonicalText: "{}",
  };
  const sealed = (): CacheEntry => ({ ...entry, seal: takeSeal(artifact, ["bin", "bin/python", "lib/site-packages"]) });
  return { layout, artifact, entry, sealed };
}

describe("the seal of an artifact folder", () => {
  it("records the folder and the named paths that exist, never a path leaving the folder", () => {
    const { artifact } = fixture();
    const seal = takeSeal(artifact, ["bin", "bin/python", "lib/site-packages", "missing", "../..", "bin/"])!;
    expect(seal.path).toBe(artifact);
    expect(seal.stamps.map((s) => [s.path, s.type])).toEqual([
      ["", "d"],
      ["bin", "d"],
      ["bin/python", "l"],
      ["lib/site-packages", "d"],
    ]);
    // A plugin's artifact may be one file: sealed as such, so it is never taken for an old entry.
    expect(takeSeal(path.join(artifact, "bin", "python3"))?.stamps.map((s) => s.type)).toEqual(["f"]);
    expect(takeSeal(path.join(artifact, "bin", "python"))).toBeUndefined();
  });

  it("an untouched artifact passes, also after a run writes __pycache__ inside a package", () => {
    const { layout, artifact, sealed } = fixture();
    const entry = sealed();
    mkdirSync(path.join(artifact, "lib", "site-packages", "pkg", "__pycache__"));
    writeFileSync(path.join(artifact, "lib", "site-packages", "pkg", "__pycache__", "__init__.cpython-311.pyc"), "bytecode");
    expect(checkSeal(entry, layout)).toEqual({});
  });

  it.each([
    ["the folder emptied", (a: string) => (rmSync(path.join(a, "bin"), { recursive: true }), rmSync(path.join(a, "lib"), { recursive: true })), /is gone|changed/],
    ["the interpreter deleted", (a: string) => rmSync(path.join(a, "bin", "python")), /is gone|changed/],
    ["the interpreter's target deleted", (a: string) => rmSync(path.join(a, "bin", "python3")), /changed|leads nowhere/],
    ["a package removed", (a: string) => rmSync(path.join(a, "lib", "site-packages", "pkg"), { recursive: true }), /site-packages changed/],
    ["the folder replaced by a file", (a: string) => (rmSync(a, { recursive: true }), writeFileSync(a, "")), /is a file, was a folder/],
    [
      "the folder replaced by a link to a copy",
      (a: string) => {
        cpSync(a, `${a}.copy`, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
        rmSync(a, { recursive: true });
        symlinkSync(`${a}.copy`, a);
      },
      /is a symbolic link, was a folder/,
    ],
  ])("fails when %s", (_what, damage, reason) => {
    const { layout, artifact, sealed } = fixture();
    const entry = sealed();
    damage(artifact);
    expect(checkSeal(entry, layout).corrupt).toMatch(reason);
  });

  it("fails when the entry's path was edited, to another folder of the cache or outside it", () => {
    const { layout, artifact, sealed } = fixture();
    const entry = sealed();
    const other = path.join(layout, "artifacts", "venv", `${"a".repeat(64)}.2`);
    cpSync(artifact, other, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    expect(checkSeal({ ...entry, artifact: { ...entry.artifact, path: other } }, layout).corrupt).toMatch(/artifact path was changed/);
    const outside = mkdtempSync(path.join(os.tmpdir(), "envforge-seal-outside-"));
    const moved = { ...entry, artifact: { ...entry.artifact, path: outside }, seal: { ...entry.seal!, path: outside } };
    expect(checkSeal(moved, layout).corrupt).toMatch(/outside the cache's artifacts folder/);
  });

  it("accepts times an archive truncated to the second, not other changes of time", () => {
    const { layout, artifact, sealed } = fixture();
    const entry = sealed();
    const site = path.join(artifact, "lib", "site-packages");
    const recorded = entry.seal!.stamps.find((s) => s.path === "lib/site-packages")!.mtimeMs;
    const whole = Math.floor(recorded / 1000);
    utimesSync(site, whole, whole);
    expect(checkSeal(entry, layout)).toEqual({});
    utimesSync(site, whole + 0.5, whole + 0.5);
    expect(checkSeal(entry, layout).corrupt).toMatch(/changed since the build/);
  });

  it("an entry older than seals: checked for a real folder, reported unsealed, sealed on its first read", () => {
    const { layout, artifact, entry } = fixture();
    expect(checkSeal(entry, layout)).toEqual({ unsealed: true });
    const file = path.join(layout, "entries", "venv", `${"a".repeat(64)}.json`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(entry));
    const read = checkedEntry(file, entry, layout);
    expect(read.entry?.seal?.stamps.map((s) => s.path)).toEqual([""]);
    const written = parseEntry(readFileSync(file, "utf8"))!;
    expect(written.seal).toEqual(read.entry!.seal);
    expect(checkSeal(written, layout)).toEqual({});
    // Without a seal a replaced folder is still no folder.
    renameSync(artifact, `${artifact}.moved`);
    symlinkSync(`${artifact}.moved`, artifact);
    expect(checkSeal(entry, layout).corrupt).toMatch(/symbolic link, not a folder/);
  });

  it("never writes over an entry another process replaced meanwhile", () => {
    const { layout, entry } = fixture();
    const file = path.join(layout, "entries", "venv", `${"a".repeat(64)}.json`);
    mkdirSync(path.dirname(file), { recursive: true });
    const newer = JSON.stringify({ ...entry, generation: 2 });
    writeFileSync(file, newer);
    expect(checkedEntry(file, entry, layout).entry?.seal).toBeDefined();
    expect(readFileSync(file, "utf8")).toBe(newer);
  });

  it("leaves artifacts that are no folder of the cache alone (images, a user-managed interpreter)", () => {
    const { layout, entry } = fixture();
    expect(checkSeal({ ...entry, artifact: { kind: "docker-image", reference: "x:1" } }, layout)).toEqual({});
    expect(checkSeal({ ...entry, artifact: { kind: "venv", path: process.execPath } }, layout)).toEqual({});
    expect(checkSeal({ ...entry, seal: { v: 2, path: "", stamps: [] } }, layout)).toEqual({});
  });
});

describe("the content digest", () => {
  it("changes with a file's content even when its time and size are kept; ignores __pycache__ and *.pyc", async () => {
    const { artifact } = fixture();
    const before = await digestTree(artifact);
    expect(before.digest.files).toBe(2);
    mkdirSync(path.join(artifact, "lib", "site-packages", "pkg", "__pycache__"));
    writeFileSync(path.join(artifact, "lib", "site-packages", "pkg", "__pycache__", "x.pyc"), "bytecode");
    writeFileSync(path.join(artifact, "lib", "site-packages", "stray.pyc"), "bytecode");
    expect((await digestTree(artifact)).digest.value).toBe(before.digest.value);
    const module = path.join(artifact, "lib", "site-packages", "pkg", "__init__.py");
    const { atime, mtime } = statSync(module);
    writeFileSync(module, "x = 2\n");
    utimesSync(module, atime, mtime);
    const after = await digestTree(artifact);
    expect(after.digest.value).not.toBe(before.digest.value);
    writeFileSync(path.join(artifact, "bin", "new"), "");
    expect(diffManifests(before.lines, (await digestTree(artifact)).lines)).toEqual(["added bin/new", "modified lib/site-packages/pkg/__init__.py"]);
  });

  it("counts a FIFO by type and path, never opening it", async () => {
    const { artifact } = fixture();
    const fifo = path.join(artifact, "bin", "pipe");
    if (spawnSync("mkfifo", [fifo]).status !== 0) return; // no mkfifo: nothing to show
    const { lines } = await digestTree(artifact);
    expect(lines.filter((l) => /^o \d+ 0 - "bin\/pipe"$/.test(l))).toHaveLength(1);
  }, 5_000);

  it("leaves out the folders a builder declared volatile", async () => {
    const { artifact } = fixture();
    mkdirSync(path.join(artifact, "ivy"));
    const before = await digestTree(artifact, ["ivy"]);
    writeFileSync(path.join(artifact, "ivy", "resolved.jar"), "jar");
    const after = await digestTree(artifact, ["ivy"]);
    expect(after.digest).toEqual(before.digest);
    expect(after.digest.exclude).toEqual(["ivy"]);
  });
});
