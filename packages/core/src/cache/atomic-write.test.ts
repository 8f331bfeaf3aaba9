import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileDurable } from "./atomic-write.js";

describe("writeFileDurable", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "envforge-durable-"));

  it("creates and replaces a file, leaving no temp file beside it", async () => {
    const file = path.join(dir, "entry.json");
    await writeFileDurable(file, "one");
    writeFileSync(path.join(dir, "other"), "x");
    await writeFileDurable(file, "two ü");
    expect(readFileSync(file, "utf8")).toBe("two ü");
    expect(readdirSync(dir).sort()).toEqual(["entry.json", "other"]);
  });

  it("fails with the file-system error and leaves the old content when the rename cannot happen", async () => {
    const file = path.join(dir, "kept.json");
    await writeFileDurable(file, "old");
    // A non-empty folder in the way of the rename: the temp file is written, then removed again.
    const blocked = path.join(dir, "blocked");
    mkdirSync(path.join(blocked, "inner"), { recursive: true });
    await expect(writeFileDurable(blocked, "new")).rejects.toMatchObject({ code: expect.stringMatching(/EISDIR|ENOTEMPTY|EEXIST/) });
    expect(readFileSync(file, "utf8")).toBe("old");
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("creates a missing folder", async () => {
    await writeFileDurable(path.join(dir, "missing", "deeper", "x.json"), "x");
    expect(readFileSync(path.join(dir, "missing", "deeper", "x.json"), "utf8")).toBe("x");
  });

  it("fails with the file-system error and leaves nothing when the folder cannot be made", async () => {
    writeFileSync(path.join(dir, "a-file"), "");
    await expect(writeFileDurable(path.join(dir, "a-file", "x.json"), "x")).rejects.toMatchObject({ code: "ENOTDIR" });
  });
});
