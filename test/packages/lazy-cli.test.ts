import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BUNDLE_DIR, CLI_BIN, vendorFile } from "../support/bundle.js";
import { moduleTracer } from "../support/module-tracer.js";

/**
 * The command users run is a bundle (scripts/bundle-cli.mjs) whose heaviest dependencies are files
 * of their own, required only when used: hashing, validating or explaining a pip-only definition
 * never loads the process runner (execa), the Redis client, the conda solver (rattler), the
 * Dockerfile parser or the Ivy report parser, and nothing outside the bundle (no dist/, no
 * node_modules). Not timed: a fresh process's module loader and require cache say what it loaded.
 */
const pipDefinition = ["name: lazy", "python:", "  pip:", '    - "requests==2.31.0"', '    - "numpy==1.26.4"', ""].join("\n");
const condaDefinition = ["python:", "  conda:", "    channels: [conda-forge]", '    dependencies: ["numpy >=1.26,<2", "python 3.11.*"]', ""].join("\n");

const NOT_LOADED = ["execa", "ioredis", "rattler", "dockerfile-ast", "fast-xml-parser"];

function traced(definition: string, args: (file: string) => string[]): { stdout: string; files: string[] } {
  const t = moduleTracer();
  const file = path.join(t.dir, "env.yaml");
  writeFileSync(file, definition);
  const stdout = execFileSync(process.execPath, [...t.args, CLI_BIN, "--cache-dir", path.join(t.dir, "cache"), ...args(file)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ENVFORGE_CONFIG: "" },
  });
  const files = t.loaded().filter((u) => u.startsWith("file:")).map((u) => fileURLToPath(u));
  return { stdout, files: files.filter((f) => !f.startsWith(t.dir)) };
}

describe("the bundled envforge command loads only what a command needs", () => {
  it.each([
    ["hash", (f: string) => ["hash", f]],
    ["validate", (f: string) => ["validate", f]],
    ["explain", (f: string) => ["explain", f, f]],
  ])("%s of a pip-only definition: no execa, ioredis, rattler, dockerfile-ast or fast-xml-parser", (_name, args) => {
    const { files } = traced(pipDefinition, args);
    // The binary and the bundle only: nothing from dist/ or node_modules.
    expect(files.filter((f) => f !== CLI_BIN && !f.startsWith(BUNDLE_DIR))).toEqual([]);
    for (const name of NOT_LOADED) expect(files, name).not.toContain(vendorFile(name));
  });

  it("a conda section loads rattler (the tracer sees vendor files), and the hash is the engine's", () => {
    const { stdout, files } = traced(condaDefinition, (f) => ["hash", "--json", f]);
    expect(files).toContain(vendorFile("rattler"));
    expect(files).not.toContain(vendorFile("execa"));
    expect(JSON.parse(stdout)).toMatchObject({ hash: expect.stringMatching(/^efh1:[0-9a-f]{64}$/) });
  });
});
