import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createEngine, EnvforgeError, type EnginePlugin } from "../plugin-kit.js";
import { sortProblems } from "./problems.js";

/**
 * Two sections: "items" (a list whose entries may be bad: each reported, the parse goes on) and
 * "single" (fails as a whole on "boom"), plus a cross-section check that would misfire on a
 * definition with a section left out.
 */
function plugin(): EnginePlugin {
  return {
    name: "t",
    apply(engine) {
      engine.hooks.schema.tap("t", (s) => {
        s.field({ path: "python.items", section: "items", schema: z.array(z.string()), description: "items" });
        s.field({ path: "single", section: "single", schema: z.object({ value: z.string() }), description: "single" });
      });
      engine.hooks.parseSection.for("items").tap("t", (fields, ctx) => {
        const out: string[] = [];
        for (const [i, item] of (fields["python.items"] as string[]).entries()) {
          if (item.startsWith("bad")) {
            ctx.report(new EnvforgeError({ code: "E_INVALID_VALUE", message: `bad item ${item}`, location: ctx.locate(["python", "items", i]) }));
          } else out.push(item);
        }
        return out;
      });
      engine.hooks.parseSection.for("single").tap("t", (fields, ctx) => {
        const value = (fields.single as { value: string }).value;
        if (value === "boom") throw new EnvforgeError({ code: "E_INVALID_VALUE", message: "boom", location: ctx.locate(["single", "value"]) });
        return value;
      });
      engine.hooks.canonicalizeSection.for("items").tap("t", (v) => v as string[]);
      engine.hooks.canonicalizeSection.for("single").tap("t", (v) => v as string);
      engine.hooks.validate.tap("t:needs-single", (spec) => {
        if (spec.loaded.data.single !== undefined && spec.sections.single === undefined) {
          throw new EnvforgeError({ code: "E_MISSING_FIELD", message: "single was not parsed" });
        }
      });
      engine.hooks.validate.tap("t:no-x", (spec) => {
        if ((spec.sections.items as string[] | undefined)?.includes("x")) throw new EnvforgeError({ code: "E_POLICY", message: "x is not allowed" });
      });
      engine.hooks.validate.tap("t:no-y", (spec) => {
        if ((spec.sections.items as string[] | undefined)?.includes("y")) throw new EnvforgeError({ code: "E_POLICY", message: "y is not allowed" });
      });
    },
  };
}

async function definition(yaml: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ef-problems-"));
  const file = path.join(dir, "env.yaml");
  await writeFile(file, yaml);
  return file;
}

const engine = async () => createEngine({ plugins: [plugin()], cacheDir: await mkdtemp(path.join(os.tmpdir(), "ef-problems-cache-")) });
const summary = (problems: EnvforgeError[]) => problems.map((p) => `${p.location?.line ?? "-"}:${p.location?.column ?? "-"} ${p.code} ${p.message}`);

describe("engine.validate: every problem of a definition", () => {
  it("lists every schema problem, each reported item and each failed section, in file order", async () => {
    const file = await definition("name: [1]\nsingle:\n  value: boom\npython:\n  items: [ok, bad1, ok2, bad2]\n  itemz: []\nunknown: 1\n");
    const v = await (await engine()).validate(file);
    expect(v.ok).toBe(false);
    expect(summary(v.problems)).toEqual([
      '1:7 E_WRONG_TYPE field "name" must be a string, got a list',
      "3:10 E_INVALID_VALUE boom",
      "5:15 E_INVALID_VALUE bad item bad1",
      "5:26 E_INVALID_VALUE bad item bad2",
      '6:3 E_UNKNOWN_KEY unknown field "python.itemz"; did you mean "items"?',
      '7:1 E_UNKNOWN_KEY unknown field "unknown"',
    ]);
  });

  it("a section whose field has the wrong shape is left out; the others are still parsed", async () => {
    const file = await definition("single: 3\npython:\n  items: [bad]\n");
    const v = await (await engine()).validate(file);
    expect(summary(v.problems).map((s) => s.split(" ")[1])).toEqual(["E_WRONG_TYPE", "E_INVALID_VALUE"]);
  });

  it("cross-section checks each report, and do not run on a definition with a section left out", async () => {
    const both = await (await engine()).validate(await definition("python:\n  items: [x, y]\n"));
    expect(both.problems.map((p) => p.message)).toEqual(["x is not allowed", "y is not allowed"]);
    const partial = await (await engine()).validate(await definition("single:\n  value: boom\npython:\n  items: [x]\n"));
    expect(partial.problems.map((p) => p.message)).toEqual(["boom"]);
  });

  it("resolve still stops at the first problem; a good definition validates to its hash", async () => {
    const e = await engine();
    await expect(e.resolve(await definition("python:\n  items: [ok, bad1, bad2]\n"))).rejects.toMatchObject({ message: "bad item bad1" });
    const good = await definition("python:\n  items: [ok]\n");
    const v = await e.validate(good);
    expect(v.ok).toBe(true);
    if (v.ok) expect(v.result.hash).toBe((await e.hash(good)).hash);
  });

  it("a file that cannot be loaded is one problem", async () => {
    const v = await (await engine()).validate(await definition("python: [unclosed\n"));
    expect(v.problems.map((p) => p.code)).toEqual(["E_INVALID_YAML"]);
  });
});

describe("sortProblems", () => {
  it("orders the definition first, then referenced files as read, then by line and column; unplaced last; duplicates once", () => {
    const at = (file: string, line: number, column = 1) => new EnvforgeError({ code: "E_INVALID_VALUE", message: `${file}:${line}:${column}`, location: { file, line, column } });
    const unplaced = new EnvforgeError({ code: "E_PLUGIN", message: "fault" });
    const sorted = sortProblems([unplaced, at("/d/b.txt", 1), at("/d/env.yaml", 9), at("/d/a.txt", 2), at("/d/env.yaml", 2, 5), at("/d/env.yaml", 2, 3), at("/d/b.txt", 1)], ["/d/env.yaml", "/d/b.txt", "/d/a.txt"]);
    expect(sorted.map((e) => e.message)).toEqual(["/d/env.yaml:2:3", "/d/env.yaml:2:5", "/d/env.yaml:9:1", "/d/b.txt:1:1", "/d/a.txt:2:1", "fault"]);
  });
});
