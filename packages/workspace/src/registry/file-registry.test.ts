import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { Hash } from "@envforge/core/plugin-kit";
import { FileRegistry } from "./file-registry.js";
import type { RegistryWarning } from "./types.js";

const run = promisify(execFile);
const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function def(pip: string) {
  const hash = `efh1:${createHash("sha256").update(pip).digest("hex")}` as Hash;
  return { hash, definition: { document: { python: { pip: [pip] } }, files: { "notes/readme.txt": `for ${pip}\r\n` } } };
}

async function fresh(): Promise<{ dir: string; warnings: RegistryWarning[]; open: () => FileRegistry }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ef-freg-"));
  const warnings: RegistryWarning[] = [];
  return { dir, warnings, open: () => new FileRegistry(dir, { onWarning: (w) => warnings.push(w) }) };
}

async function seed(registry: FileRegistry, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) await registry.register({ name: "train", ...def(`a==${i}`), labels: i === 1 ? ["prod"] : [] });
}

describe("FileRegistry on disk", () => {
  it("persists across instances, files and labels included", async () => {
    const { open } = await fresh();
    await seed(open(), 3);
    const again = open();
    expect((await again.versions("train")).map((r) => r.version)).toEqual(["1", "2", "3"]);
    expect((await again.get("train:prod")).definition.files).toEqual({ "notes/readme.txt": "for a==1\r\n" });
  });

  it("recovers a snapshot truncated by a crash from the journal, and says so", async () => {
    const { open, warnings, dir } = await fresh();
    await seed(open(), 3);
    const snapshot = path.join(dir, "registry.json");
    await truncate(snapshot, Math.floor((await stat(snapshot)).size / 2));

    const registry = open();
    expect((await registry.versions("train")).map((r) => r.version)).toEqual(["1", "2", "3"]);
    expect((await registry.get("train:prod")).version).toBe("1");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: "E_REGISTRY_CORRUPT", message: expect.stringContaining("3 versions") });
    // The damaged file is kept for inspection, and the repaired snapshot is whole again.
    expect((await readdir(dir)).some((f) => f.startsWith("registry.json.damaged-"))).toBe(true);
    expect(JSON.parse(await readFile(snapshot, "utf8")).seq).toBe(3);
    await registry.register({ name: "train", ...def("a==4") });
    expect((await open().get("train")).version).toBe("4");
    expect(warnings).toHaveLength(1);
  });

  it("treats an empty (zero-byte) snapshot as damaged, never as an empty registry", async () => {
    const { open, warnings, dir } = await fresh();
    await seed(open(), 2);
    await writeFile(path.join(dir, "registry.json"), "");
    expect((await open().list())[0]).toMatchObject({ name: "train", latest: "2", versions: 2 });
    expect(warnings.map((w) => w.code)).toEqual(["E_REGISTRY_CORRUPT"]);
  });

  it("rolls the snapshot forward when a crash hit between journal and snapshot", async () => {
    const { open, warnings, dir } = await fresh();
    await seed(open(), 2);
    const snapshot = path.join(dir, "registry.json");
    await copyFile(snapshot, `${snapshot}.old`);
    await open().register({ name: "train", ...def("a==3") });
    await copyFile(`${snapshot}.old`, snapshot); // as if the process died before writing the snapshot
    expect((await open().get("train")).version).toBe("3");
    expect(warnings).toEqual([]);
  });

  it("drops a journal line cut short mid-append (never committed) and keeps appending cleanly", async () => {
    const { open, warnings, dir } = await fresh();
    await seed(open(), 2);
    const journal = path.join(dir, "journal.jsonl");
    const snapshot = path.join(dir, "registry.json");
    await copyFile(snapshot, `${snapshot}.old`);
    await open().register({ name: "train", ...def("a==3") });
    // The process died mid-append: half a line, and the snapshot still the old one.
    await truncate(journal, (await stat(journal)).size - 40);
    await copyFile(`${snapshot}.old`, snapshot);

    const registry = open();
    expect((await registry.get("train")).version).toBe("2"); // readers never call half a line committed
    expect(warnings).toEqual([]);
    const next = await registry.register({ name: "train", ...def("a==5") });
    expect(next.record.version).toBe("3");
    expect(warnings).toEqual([expect.objectContaining({ code: "E_REGISTRY_CORRUPT", message: expect.stringContaining("incomplete last line") })]);
    const lines = (await readFile(journal, "utf8")).trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l).seq)).toEqual([1, 2, 3]);
  });

  it("refuses to show a partial registry when neither file holds it, and repairs on request", async () => {
    const { open, dir } = await fresh();
    await seed(open(), 3);
    const snapshot = path.join(dir, "registry.json");
    const journal = path.join(dir, "journal.jsonl");
    await writeFile(snapshot, "{\"format\":1,\"seq\":");
    const lines = (await readFile(journal, "utf8")).split("\n");
    lines[1] = lines[1]!.slice(0, 30);
    await writeFile(journal, lines.join("\n"));

    const registry = open();
    await expect(registry.list()).rejects.toMatchObject({ code: "E_REGISTRY_CORRUPT", hint: expect.stringContaining("repair") });
    await expect(registry.register({ name: "train", ...def("a==9") })).rejects.toMatchObject({ code: "E_REGISTRY_CORRUPT" });
    // Nothing was touched by the refused calls.
    expect(await readFile(snapshot, "utf8")).toBe("{\"format\":1,\"seq\":");

    const { lost } = await registry.repair();
    expect(lost).toContain("line 2");
    expect((await registry.versions("train")).map((r) => r.version)).toEqual(["1"]);
    expect((await registry.register({ name: "train", ...def("a==9") })).record.version).toBe("2");
  });

  it("restarts a journal damaged in the middle from an intact snapshot, losing nothing", async () => {
    const { open, warnings, dir } = await fresh();
    await seed(open(), 3);
    const journal = path.join(dir, "journal.jsonl");
    const lines = (await readFile(journal, "utf8")).split("\n");
    lines[0] = "garbage";
    await writeFile(journal, lines.join("\n"));
    expect((await open().versions("train")).length).toBe(3);
    expect(warnings.map((w) => w.message)).toEqual([expect.stringContaining("journal")]);
    // The restarted journal alone can now rebuild everything.
    await writeFile(path.join(dir, "registry.json"), "");
    expect((await open().versions("train")).length).toBe(3);
  });

  it("restarts a deleted journal from the snapshot, so later damage stays recoverable", async () => {
    const { open, warnings, dir } = await fresh();
    await seed(open(), 2);
    await rm(path.join(dir, "journal.jsonl"));
    await open().register({ name: "train", ...def("a==3") });
    await writeFile(path.join(dir, "registry.json"), "");
    expect((await open().versions("train")).map((r) => r.version)).toEqual(["1", "2", "3"]);
    expect(warnings.map((w) => w.code)).toEqual(["E_REGISTRY_CORRUPT"]);
  });

  it("two processes registering the same name at once: versions unique, nothing lost", async () => {
    const { dir, open } = await fresh();
    const start = path.join(dir, "start");
    const perWorker = 12;
    const workers = ["a", "b", "c"].map((w) =>
      run(
        process.execPath,
        ["--conditions=source", "--import", "tsx", path.join(packageDir, "fixtures/register-worker.ts"), dir, "race", w, String(perWorker), start],
        { cwd: packageDir, timeout: 120_000 },
      ),
    );
    // Start them together once every worker has loaded, so the registrations really overlap.
    const deadline = Date.now() + 60_000;
    while ((await readdir(dir)).filter((f) => f.startsWith("start.ready-")).length < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await writeFile(start, "go");
    type Out = { began: number; ended: number; results: Array<{ pip: string; version: string; created: boolean }> };
    const outputs = (await Promise.all(workers)).map((o) => JSON.parse(o.stdout) as Out);
    // The processes' registration windows overlap: they contended for the registry.
    expect(Math.max(...outputs.map((o) => o.began))).toBeLessThan(Math.min(...outputs.map((o) => o.ended)));

    const all = outputs.flatMap((o) => o.results);
    expect(all).toHaveLength(3 * perWorker);
    expect(all.every((r) => r.created)).toBe(true);
    expect(new Set(all.map((r) => r.version)).size).toBe(all.length);
    const versions = await open().versions("race");
    expect(versions.map((v) => Number(v.version)).sort((x, y) => x - y)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    // Each process got back exactly the version its definition is stored under.
    for (const r of all) {
      const stored = versions.find((v) => v.version === r.version)!;
      expect((stored.definition.document.python as { pip: string[] }).pip).toEqual([r.pip]);
    }
    // Versions were handed out interleaved between the processes, not one process after another.
    const order = versions.map((v) => ((v.definition.document.python as { pip: string[] }).pip[0] ?? "").split("-")[1]);
    expect(order.filter((w, i) => i > 0 && w !== order[i - 1]).length).toBeGreaterThan(2);
  });
});
