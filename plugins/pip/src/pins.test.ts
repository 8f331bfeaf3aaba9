import path from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalOf, env, hashTree, pipEngine, refusal, writeTree } from "./test-support.js";

describe("pip section: contradictory pins", () => {
  it("tinya==1.0.0 beside tinya==1.1.0 is E_CONFLICTING_PINS at the second, naming the first's place", async () => {
    const e = await refusal({ "env.yaml": env(["tinya==1.0.0", "rich==13.7.1", "TinyA==1.1.0"]) });
    expect(e.code).toBe("E_CONFLICTING_PINS");
    expect(e.location).toMatchObject({ file: path.join(e.dir, "env.yaml"), line: 5, column: 7 });
    expect(e.field).toBe("python.pip[2]");
    expect(e.message).toContain('"TinyA==1.1.0" contradicts "tinya==1.0.0" at env.yaml:3:7');
    expect(e.details?.first).toMatchObject({ line: 3 });
    expect(e.hint).toContain("keep one pin");
  });

  it("inline items and a requirements file (and its includes) are one set", async () => {
    const e = await refusal({
      "env.yaml": `${env(["tinya==1.0.0"])}  pipRequirements: requirements.txt\n`,
      "requirements.txt": "rich==13.7.1\n-r more.txt\n",
      "more.txt": "# pinned again\ntinya===1.2\n",
    });
    expect(e.code).toBe("E_CONFLICTING_PINS");
    expect(e.location).toMatchObject({ file: path.join(e.dir, "more.txt"), line: 2, column: 1 });
    expect(e.message).toContain("env.yaml:3:7");
  });

  it("a constraint that pins another version than a requirement conflicts too", async () => {
    const e = await refusal({
      "env.yaml": `${env(["tinya==1.0.0"])}  pipRequirements: requirements.txt\n`,
      "requirements.txt": "-c constraints.txt\n",
      "constraints.txt": "tinya==2.0\n",
    });
    expect(e.code).toBe("E_CONFLICTING_PINS");
    expect(e.location?.file).toBe(path.join(e.dir, "constraints.txt"));
  });

  it("one version written twice (1.0 and 1.0.0, equal per PEP 440) is no conflict: it collapses", async () => {
    expect(await canonicalOf({ "env.yaml": env(["tinya==1.0", "tinya==1.0.0", "tinya===1.0"]) })).toEqual(["tinya==1", "tinya===1.0"]);
    expect(await hashTree({ "env.yaml": env(["tinya==1.0", "tinya==1.0.0"]) })).toBe(await hashTree({ "env.yaml": env(["tinya==1"]) }));
  });

  it("pins under different markers, ranges and wildcards are no conflict", async () => {
    await expect(
      hashTree({
        "env.yaml": env([
          'tinya==1.0; python_version < "3.12"',
          'tinya==1.1; python_version >= "3.12"',
          "tinya==1.2",
          "tinyb==1.0",
          "tinyb>=2",
          "tinyc==1.*",
          "tinyc==2.*",
          "tinyd[extra]==1.0",
          "tinyd==1.0.0",
        ]),
      }),
    ).resolves.toMatch(/^efh1:/);
  });

  it("the same marker written two ways is the same marker", async () => {
    const e = await refusal({ "env.yaml": env(["tinya==1.0; python_version<'3.12'", 'tinya==1.1 ; python_version < "3.12"']) });
    expect(e.code).toBe("E_CONFLICTING_PINS");
    expect(e.message).toContain('under the marker python_version < "3.12"');
  });

  it("one requirement pinning two versions at once is refused", async () => {
    const e = await refusal({ "env.yaml": env(["tinya==1.0,==1.1"]) });
    expect(e.code).toBe("E_CONFLICTING_PINS");
    expect(e.message).toContain("2 different versions at once");
  });
});

describe("pip section under engine.validate: every bad line, not only the first", () => {
  it("reports each bad line of a requirements file, in file order, and hash still stops at the first", async () => {
    const dir = writeTree({
      "env.yaml": `${env(["tinya==1.0", "rich==13.7.1", "tinya==1.1"])}  pipRequirements: requirements.txt\n`,
      "requirements.txt": "good==1.0\nbad line!\n--frob\n-r missing.txt\nfine==2.0\n./local/folder\n",
    });
    const { engine } = pipEngine();
    const validation = await engine.validate(path.join(dir, "env.yaml"));
    expect(validation.ok).toBe(false);
    const where = validation.problems.map((p) => `${path.basename(p.location!.file)}:${p.location!.line} ${p.code}`);
    expect(where).toEqual([
      "env.yaml:5 E_CONFLICTING_PINS",
      "requirements.txt:2 E_INVALID_REQUIREMENT",
      "requirements.txt:3 E_INVALID_REQUIREMENT",
      "requirements.txt:4 E_FILE_NOT_FOUND",
      "requirements.txt:6 E_INVALID_REQUIREMENT",
    ]);
    const first = await engine.hash(path.join(dir, "env.yaml")).catch((e: unknown) => e);
    expect(first).toMatchObject({ code: "E_INVALID_REQUIREMENT", location: { line: 2 } });
  });

  it("a definition without problems validates to the hash resolve gives", async () => {
    const dir = writeTree({ "env.yaml": env(["rich==13.7.1"]) });
    const { engine } = pipEngine();
    const validation = await engine.validate(path.join(dir, "env.yaml"));
    expect(validation).toMatchObject({ ok: true, problems: [] });
    if (validation.ok) expect(validation.result.hash).toBe((await engine.hash(path.join(dir, "env.yaml"))).hash);
  });
});
