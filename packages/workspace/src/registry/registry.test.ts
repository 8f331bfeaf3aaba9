import { createHash } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Hash } from "@envforge/core/plugin-kit";
import type { EnvironmentDefinition } from "../definition.js";
import { FileRegistry } from "./file-registry.js";
import { MemoryRegistry } from "./state-registry.js";
import type { EnvironmentRegistry } from "./types.js";

function def(pip: string[], extra: Record<string, unknown> = {}): { hash: Hash; definition: EnvironmentDefinition } {
  const hash = `efh1:${createHash("sha256").update(JSON.stringify(pip)).digest("hex")}` as Hash;
  return { hash, definition: { document: { python: { pip }, ...extra }, files: {} } };
}

const kinds: Array<[string, () => Promise<EnvironmentRegistry>]> = [
  ["MemoryRegistry", async () => new MemoryRegistry()],
  ["FileRegistry", async () => new FileRegistry(await mkdtemp(path.join(os.tmpdir(), "ef-reg-")))],
];

describe.each(kinds)("%s", (_kind, make) => {
  it("assigns the next integer version and keeps `latest` on the newest", async () => {
    const registry = await make();
    const a = await registry.register({ name: "train", ...def(["a==1"]) });
    const b = await registry.register({ name: "train", ...def(["a==2"]) });
    const c = await registry.register({ name: "train", ...def(["a==3"]) });
    expect([a, b, c].map((r) => [r.record.version, r.created])).toEqual([["1", true], ["2", true], ["3", true]]);
    expect(c.record.labels).toEqual(["latest"]);
    expect((await registry.get("train")).version).toBe("3");
    expect((await registry.get("train@1")).hash).toBe(a.record.hash);
    expect((await registry.get("train:latest")).version).toBe("3");
    expect((await registry.get("train@2")).labels).toEqual([]);
    // The registry writes the identity into the stored document; the hash never covers it.
    expect((await registry.get("train@2")).definition.document).toMatchObject({ name: "train", version: "2" });
  });

  it("never changes a registered version", async () => {
    const registry = await make();
    await registry.register({ name: "train", version: "7", ...def(["a==1"]) });
    const again = await registry.register({ name: "train", version: "7", ...def(["a==1"]) });
    expect(again.created).toBe(false);
    await expect(registry.register({ name: "train", version: "7", ...def(["a==2"]) })).rejects.toMatchObject({ code: "E_CONFLICT" });
    // An explicit non-integer version does not disturb numbering: the next one is 8.
    await registry.register({ name: "train", version: "rc.1", ...def(["a==3"]) });
    expect((await registry.register({ name: "train", ...def(["a==4"]) })).record.version).toBe("8");
    expect((await registry.versions("train")).map((r) => r.version)).toEqual(["7", "rc.1", "8"]);
  });

  it("does not make a new version for the definition that is already latest", async () => {
    const registry = await make();
    await registry.register({ name: "train", ...def(["a==1"]) });
    const same = await registry.register({ name: "train", ...def(["a==1"], { name: "other-name-in-file" }) });
    expect(same).toMatchObject({ created: false, record: { version: "1" } });
    const changed = await registry.register({ name: "train", ...def(["a==1"], { description: "now documented" }) });
    expect(changed).toMatchObject({ created: true, record: { version: "2" } });
  });

  it("sets, moves and removes labels; `latest` is not settable", async () => {
    const registry = await make();
    await registry.register({ name: "train", ...def(["a==1"]) });
    await registry.register({ name: "train", ...def(["a==2"]), labels: ["candidate"] });
    await registry.setLabel("train", "prod", "1");
    expect((await registry.get("train:prod")).version).toBe("1");
    expect((await registry.get("train:candidate")).version).toBe("2");
    await registry.setLabel("train", "prod", "2");
    expect((await registry.get("train@2")).labels).toEqual(["latest", "candidate", "prod"]);
    expect((await registry.list())[0]!.labels).toEqual({ candidate: "2", prod: "2", latest: "2" });
    await registry.removeLabel("train", "candidate");
    await expect(registry.get("train:candidate")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
    await expect(registry.setLabel("train", "latest", "1")).rejects.toMatchObject({ code: "E_INVALID_VALUE" });
    await expect(registry.setLabel("train", "prod", "9")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  });

  it("archives and restores versions and whole environments", async () => {
    const registry = await make();
    const one = await registry.register({ name: "train", ...def(["a==1"]) });
    await registry.register({ name: "train", ...def(["a==2"]) });
    await registry.register({ name: "other", ...def(["b==1"]) });
    await registry.archive("train@2");
    expect((await registry.get("train")).version).toBe("1");
    expect((await registry.get("train@2")).archived).toBe(true);
    expect((await registry.versions("train")).map((r) => r.version)).toEqual(["1"]);
    expect((await registry.versions("train", { includeArchived: true })).map((r) => r.version)).toEqual(["1", "2"]);
    expect(await registry.liveHashes()).toEqual(new Set([one.record.hash, (await registry.get("other")).hash]));
    await registry.archive("train");
    await expect(registry.get("train")).rejects.toMatchObject({ code: "E_NOT_FOUND", message: expect.stringContaining("archived") });
    expect((await registry.list()).map((s) => s.name)).toEqual(["other"]);
    expect((await registry.list({ includeArchived: true })).map((s) => [s.name, s.archived])).toEqual([["other", false], ["train", true]]);
    await registry.restore("train@2");
    expect((await registry.get("train")).version).toBe("2");
  });

  it("renames an environment with its versions and labels; hashes stay", async () => {
    const registry = await make();
    const a = await registry.register({ name: "train", ...def(["a==1"]), labels: ["prod"] });
    await registry.register({ name: "taken", ...def(["x==1"]) });
    await expect(registry.rename("train", "taken")).rejects.toMatchObject({ code: "E_CONFLICT" });
    await registry.rename("train", "train-v2");
    const moved = await registry.get("train-v2:prod");
    expect(moved).toMatchObject({ name: "train-v2", version: "1", hash: a.record.hash });
    expect(moved.definition.document.name).toBe("train-v2");
    await expect(registry.get("train")).rejects.toMatchObject({ code: "E_NOT_FOUND", hint: expect.stringContaining("train-v2") });
  });

  it("reserves names beginning with envforge for curated environments", async () => {
    const registry = await make();
    await expect(registry.register({ name: "envforge-python", ...def(["a==1"]) })).rejects.toMatchObject({ code: "E_INVALID_VALUE", field: "name" });
    await expect(registry.register({ name: "EnvForgeX", ...def(["a==1"]) })).rejects.toMatchObject({ code: "E_INVALID_VALUE" });
    expect((await registry.register({ name: "envforge-python", curated: true, ...def(["a==1"]) })).created).toBe(true);
  });

  it("refuses malformed names, versions and references with a hint", async () => {
    const registry = await make();
    await expect(registry.register({ name: "has space", ...def(["a==1"]) })).rejects.toMatchObject({ code: "E_INVALID_VALUE" });
    await expect(registry.register({ name: "ok", version: "latest", ...def(["a==1"]) })).rejects.toMatchObject({ code: "E_INVALID_VALUE" });
    await expect(registry.get("a@1:prod")).rejects.toMatchObject({ code: "E_INVALID_VALUE", hint: expect.stringContaining("NAME@VERSION") });
    await expect(registry.get("missing")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
    expect(await registry.find("missing")).toBeUndefined();
  });
});
