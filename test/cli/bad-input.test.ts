import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "./support.js";
import { tempDir } from "../support/engine.js";

/** One folder per bad definition: `env.yaml` and what the error must say (`expected.json`). */
interface Expected {
  code: string;
  line: number;
  column?: number;
  message?: string;
  hint?: string;
  file?: string;
}

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "bad-input");
const cases = readdirSync(root).sort();

describe("bad input is refused with a located, hinted error and exit code 1", () => {
  it.each(cases)("%s", async (name) => {
    const expected = JSON.parse(readFileSync(path.join(root, name, "expected.json"), "utf8")) as Expected;
    const file = path.join(root, name, "env.yaml");
    const cacheDir = await tempDir();

    const json = await runCli(["validate", file, "--json", "--cache-dir", cacheDir]);
    expect(json.code).toBe(1);
    const { error } = JSON.parse(json.stdout) as { error: { code: string; message: string; hint?: string; location?: { file: string; line: number; column: number } } };
    expect(error.code).toBe(expected.code);
    expect(error.location?.line).toBe(expected.line);
    if (expected.column !== undefined) expect(error.location?.column).toBe(expected.column);
    expect(error.location?.file).toBe(path.join(root, name, expected.file ?? "env.yaml"));
    if (expected.message) expect(error.message).toContain(expected.message);
    expect(error.hint, "every refusal says what would be valid").toBeTruthy();
    if (expected.hint) expect(error.hint).toContain(expected.hint);

    const human = await runCli(["validate", file, "--cache-dir", cacheDir]);
    expect(human.code).toBe(1);
    expect(human.stderr).toContain(`${expected.file ?? "env.yaml"}:${expected.line}:`);
    expect(human.stderr).toContain(expected.code);
    expect(human.stderr).toContain("hint:");
    expect(human.stderr, "no stack trace").not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});
