import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine } from "@envforge/core/plugin-kit";
import { dockerPlugin } from "@envforge/plugin-docker";
import { pipPlugin } from "@envforge/plugin-pip";
import { sparkPlugin } from "@envforge/plugin-spark";
import { check, curatedDir, curatedEnvironment, curatedPlugin, curatedSource, listCurated, MemoryRegistry, Workspace } from "@envforge/workspace";

/**
 * Frozen hashes of the curated environments, computed with the real plugins. A change here means
 * either a curated definition changed (give it a new version) or the canonical form changed (a
 * hash contract break: every cached build would miss).
 */
const FROZEN: Record<string, string> = {
  "datascience-py311": "efh1:c1cd28bb149cefc15fa4c44329ae17ea4d7cd42d6a453a5fbb22a0f6a38ed56b",
  "python-3.11": "efh1:2b1649c225d8e8b2bb3624bf1adb38f2ff4bae65e74cc1bf0056c29620b54afe",
  "spark-3.5-client": "efh1:edf6c51871c11737a44259b4d8a37e3bb5d323964e4c65549278b7a2f4a361ad",
};

async function engine() {
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), "ef-cur-"));
  return createEngine({ cacheDir, plugins: [pipPlugin(), dockerPlugin(), sparkPlugin(), curatedPlugin()] });
}

describe("curated environments", () => {
  it("ships a minimal Python, a data-science stack and a Spark client, under reserved names", () => {
    expect(listCurated().map((c) => [c.name, c.registryName])).toEqual([
      ["datascience-py311", "envforge-datascience-py311"],
      ["python-3.11", "envforge-python-3.11"],
      ["spark-3.5-client", "envforge-spark-3.5-client"],
    ]);
    expect(path.dirname(listCurated()[0]!.path)).toBe(path.join(curatedDir(), "datascience-py311"));
  });

  it.each(Object.entries(FROZEN))("%s hashes to its frozen value, by path and as curated:<name>", async (name, frozen) => {
    const e = await engine();
    expect((await e.hash(curatedSource(`curated:${name}`))).hash).toBe(frozen);
    expect((await e.hash(`curated:${name}`)).hash).toBe(frozen);
  });

  it.each(Object.keys(FROZEN))("%s is fully pinned: nothing unpinned, base image by digest", async (name) => {
    const report = await check(await engine(), curatedSource(name));
    expect(report.findings.filter((f) => f.kind !== "no-lock")).toEqual([]);
    expect(report.packages.total).toBeGreaterThan(0);
    expect(report.packages.pinned).toBe(report.packages.total);
  });

  it("names each environment in its own file with the reserved name", async () => {
    const e = await engine();
    for (const c of listCurated()) expect((await e.resolve(c.path)).parsed.identity.name).toBe(c.registryName);
  });

  it("registers into a workspace only through curated:<name>, under its reserved name", async () => {
    const ws = new Workspace({ engine: await engine(), registry: new MemoryRegistry() });
    const { record } = await ws.register("curated:python-3.11");
    expect(record).toMatchObject({ name: "envforge-python-3.11", version: "1", hash: FROZEN["python-3.11"] });
    await expect(ws.register(curatedEnvironment("python-3.11").path)).rejects.toMatchObject({ code: "E_INVALID_VALUE", field: "name" });
  });

  it("says which curated environments exist when the name is wrong", () => {
    expect(() => curatedSource("curated:python-2.7")).toThrow(expect.objectContaining({ code: "E_NOT_FOUND", hint: expect.stringContaining("curated:python-3.11") }));
  });
});
