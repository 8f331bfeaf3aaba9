/**
 * `envforge validate` lists every problem of a definition in file order (at most 50), where
 * build and hash stop at the first.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./support.js";
import { tempDir } from "../support/engine.js";

interface Problem {
  code: string;
  message: string;
  hint?: string;
  field?: string;
  location?: { file: string; line: number; column: number };
}

async function definition(files: Record<string, string>): Promise<{ dir: string; file: string; cache: string }> {
  const dir = await tempDir();
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return { dir, file: path.join(dir, "env.yaml"), cache: path.join(dir, "cache") };
}

const THREE = {
  "env.yaml": [
    "name: three-problems",
    "version: [1, 2]", // a schema type error (line 2)
    "python:",
    "  pipRequirements: requirements.txt",
    "  conda:",
    "    channels: [conda-forge]",
    "    dependencies:",
    "      - python=3.11",
    "      - numpy===>1", // a malformed MatchSpec (line 9)
    "",
  ].join("\n"),
  "requirements.txt": "rich==13.7.1\nnot a requirement!\n", // a bad line in a referenced file
};

describe("envforge validate: every problem, in file order", () => {
  it("a file with three problems in three places prints all three with their positions and exits 1", async () => {
    const { dir, file, cache } = await definition(THREE);
    const human = await runCli(["validate", file, "--cache-dir", cache]);
    expect(human.code).toBe(1);
    const heads = human.stderr.split("\n").filter((l) => / error E_/.test(l));
    expect(heads).toHaveLength(3);
    expect(heads[0]).toMatch(new RegExp(`^${file}:2:10: error E_WRONG_TYPE: field "version" must be a string or a number, got a list \\[version\\]$`));
    expect(heads[1]).toMatch(new RegExp(`^${file}:9:9: error E_INVALID_MATCHSPEC: .*invalid operator "===>" in "numpy===>1" \\(at character 6\\) \\[python.conda\\]$`));
    expect(heads[2]).toMatch(new RegExp(`^${path.join(dir, "requirements.txt")}:2:5: error E_INVALID_REQUIREMENT: .*\\[python.pipRequirements\\]$`));
    expect(human.stderr.match(/^ {2}hint: /gm)).toHaveLength(3);
    expect(human.stderr).toContain("3 problems");
    expect(human.stderr, "no stack trace").not.toMatch(/\n\s+at .+:\d+:\d+/);

    const json = await runCli(["validate", file, "--json", "--cache-dir", cache]);
    expect(json.code).toBe(1);
    const out = JSON.parse(json.stdout) as { ok: boolean; error: Problem; problems: Problem[]; total: number };
    expect(out.ok).toBe(false);
    expect(out.total).toBe(3);
    expect(out.problems.map((p) => [p.code, p.location?.line, p.location?.column])).toEqual([
      ["E_WRONG_TYPE", 2, 10],
      ["E_INVALID_MATCHSPEC", 9, 9],
      ["E_INVALID_REQUIREMENT", 2, 5],
    ]);
    expect(out.error, "the first problem, in the shape a single error has").toEqual(out.problems[0]);
    for (const p of out.problems) expect(p.hint).toBeTruthy();
  });

  it("hash still stops at the first problem", async () => {
    const { file, cache } = await definition(THREE);
    const r = await runCli(["hash", file, "--cache-dir", cache]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n").filter((l) => / error E_/.test(l))).toHaveLength(1);
  });

  it("a file with 200 bad lines shows the first 50 in order and says how many more", async () => {
    const lines = Array.from({ length: 200 }, (_, i) => `bad line ${i + 1}!`);
    const { dir, file, cache } = await definition({ "env.yaml": "python:\n  pipRequirements: requirements.txt\n", "requirements.txt": `${lines.join("\n")}\n` });
    const human = await runCli(["validate", file, "--cache-dir", cache]);
    expect(human.code).toBe(1);
    const heads = human.stderr.split("\n").filter((l) => / error E_/.test(l));
    expect(heads).toHaveLength(50);
    heads.forEach((h, i) => expect(h.startsWith(`${path.join(dir, "requirements.txt")}:${i + 1}:`), h).toBe(true));
    expect(human.stderr).toContain("... and 150 more problems (200 in all)");

    const json = JSON.parse((await runCli(["validate", file, "--json", "--cache-dir", cache])).stdout) as { problems: Problem[]; total: number };
    expect(json.problems).toHaveLength(50);
    expect(json.total).toBe(200);
    expect(json.problems.at(-1)?.location?.line).toBe(50);
  });

  it("contradictory pins across the conda file's pip: list and a requirements file are refused at the second", async () => {
    const { dir, file, cache } = await definition({
      "env.yaml": "python:\n  condaFile: environment.yml\n  pipRequirements: requirements.txt\n",
      "environment.yml": "channels: [conda-forge]\ndependencies:\n  - python=3.11\n  - pip:\n      - tinya==1.0.0\n",
      "requirements.txt": "rich==13.7.1\ntinya==1.1.0\n",
    });
    const json = await runCli(["validate", file, "--json", "--cache-dir", cache]);
    expect(json.code).toBe(1);
    const { problems } = JSON.parse(json.stdout) as { problems: Problem[] };
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: "E_CONFLICTING_PINS", location: { file: path.join(dir, "environment.yml"), line: 5, column: 9 } });
    expect(problems[0]!.message).toContain('"tinya==1.0.0" contradicts "tinya==1.1.0" at requirements.txt:2:1');
  });

  it("a good definition keeps today's JSON shape", async () => {
    const { file, cache } = await definition({ "env.yaml": "python:\n  pip: [rich==13.7.1, rich==13.7.1.0]\n" });
    const json = await runCli(["validate", file, "--json", "--cache-dir", cache]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ ok: true, hash: expect.stringMatching(/^efh1:/), sections: ["pip"], files: [] });
  });
  it("every bad item of a conda file is listed, and its pip: list is still read for conflicts", async () => {
    const { dir, file, cache } = await definition({
      "env.yaml": "python:\n  condaFile: environment.yml\n  pip: [tinya==1.0.0]\n",
      "environment.yml": [
        "channels: [conda-forge, 7]", // line 1: a channel that is no string
        "dependencies:",
        "  - numpy===>1", // line 3
        "  - python=3.11",
        "  - scipy=>1", // line 5
        "  - pip: [tinya==1.1.0]", // line 6: contradicts the inline pin
        "",
      ].join("\n"),
    });
    const json = await runCli(["validate", file, "--json", "--cache-dir", cache]);
    expect(json.code, json.stderr).toBe(1);
    const out = JSON.parse(json.stdout) as { problems: Problem[] };
    const conda = path.join(dir, "environment.yml");
    expect(out.problems.map((p) => [p.code, p.location?.file, p.location?.line])).toEqual([
      ["E_WRONG_TYPE", conda, 1],
      ["E_INVALID_MATCHSPEC", conda, 3],
      ["E_INVALID_MATCHSPEC", conda, 5],
      ["E_CONFLICTING_PINS", conda, 6],
    ]);
    // hash still stops at the first
    const hash = await runCli(["hash", file, "--cache-dir", cache]);
    expect(hash.code).toBe(1);
    expect(hash.stderr.split("\n").filter((l) => / error E_/.test(l))).toHaveLength(1);
  });
});
