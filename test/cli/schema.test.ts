/**
 * The JSON Schema `envforge schema` prints is what editors validate definitions with: a strict
 * validator (Ajv with `strict: true`) must compile it, it must accept every definition envforge
 * accepts, and it must refuse the either/or mistakes envforge refuses, so the editor and the
 * engine agree.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { SCHEMA_ID } from "@envforge/core/plugin-kit";
import { corpus } from "../fuzz/arbitraries.js";
import { tempDir, testEngine } from "../support/engine.js";
import { repoRoot } from "../support/paths.js";
import { runCli } from "./support.js";

// ajv-formats is CommonJS with a default export; under ESM interop it may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

let schema: Record<string, unknown>;
let validate: ValidateFunction;

beforeAll(async () => {
  const out = await runCli(["schema"]);
  expect(out.code, out.stderr).toBe(0);
  schema = JSON.parse(out.stdout) as Record<string, unknown>;
  const ajv = new Ajv({ strict: true, allErrors: true });
  addFormats(ajv);
  validate = ajv.compile(schema);
});

/** Every `format` in the schema, wherever it sits. */
function formatsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(formatsIn);
  if (node === null || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([key, value]) => (key === "format" && typeof value === "string" ? [value] : formatsIn(value)));
}

function examples(dir = path.join(repoRoot, "examples")): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return examples(full);
    return /\.(ya?ml|json)$/.test(name) ? [full] : [];
  });
}

function problems(): string {
  return JSON.stringify(validate.errors ?? [], null, 2);
}

describe("envforge schema (JSON Schema for editors)", () => {
  it("has a versioned $id and compiles under strict Ajv with only standard formats", () => {
    expect(schema.$id).toBe(SCHEMA_ID);
    expect(SCHEMA_ID).toMatch(/^https:\/\/[^/]+\/schema\/v1\/environment\.json$/);
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(formatsIn(schema).filter((f) => !["uri", "date-time", "email", "hostname", "ipv4", "ipv6", "regex"].includes(f))).toEqual([]);
    expect(typeof validate).toBe("function");
  });

  it("accepts every definition of the shared corpus and the examples that envforge accepts", async () => {
    const { engine } = await testEngine();
    const files = [...corpus().map((seed) => seed.file), ...examples()];
    expect(files.length).toBeGreaterThan(30);
    let accepted = 0;
    for (const file of files) {
      const hashed = await engine.hash(file).then(
        () => true,
        () => false,
      );
      if (!hashed) continue;
      accepted++;
      const data = parseYaml(readFileSync(file, "utf8")) as unknown;
      expect(validate(data), `${file}: ${problems()}`).toBe(true);
    }
    expect(accepted).toBeGreaterThan(30);
  });

  it.each([
    ["docker with neither base", { docker: { steps: ["RUN true"] } }, "E_MISSING_FIELD"],
    ["docker with both bases", { docker: { baseImage: "debian:12", baseDockerfile: "./Dockerfile" } }, "E_CONFLICTING_FIELDS"],
    ["userManaged without interpreterPath", { python: { userManaged: true } }, "E_MISSING_FIELD"],
    ["conda beside condaFile", { python: { conda: { dependencies: ["numpy=1.26"] }, condaFile: "./environment.yml" } }, "E_CONFLICTING_FIELDS"],
  ])("refuses %s, as envforge does", async (_name, definition, code) => {
    expect(validate(definition)).toBe(false);
    const dir = await tempDir();
    writeFileSync(path.join(dir, "Dockerfile"), "FROM debian:12\n");
    writeFileSync(path.join(dir, "environment.yml"), "dependencies: [numpy=1.26]\n");
    const file = path.join(dir, "env.json");
    writeFileSync(file, JSON.stringify(definition));
    const out = await runCli(["validate", file]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(code);
  });

  it("accepts each either/or rule's valid forms", () => {
    for (const definition of [
      { docker: { baseImage: "debian:12" } },
      { docker: { baseDockerfile: "./Dockerfile", steps: ["RUN true"] } },
      { python: { userManaged: true, interpreterPath: "/usr/bin/python3" } },
      { python: { userManaged: false } },
      { python: { conda: { dependencies: ["numpy=1.26"] } } },
      { python: { condaFile: "./environment.yml" } },
    ]) {
      expect(validate(definition), `${JSON.stringify(definition)}: ${problems()}`).toBe(true);
    }
  });

  it("a $schema key and the yaml-language-server modeline are accepted and never change the hash", async () => {
    const dir = await tempDir();
    const body = 'python:\n  version: "3.11"\n  pip: ["requests==2.31.0"]\ndocker:\n  baseImage: python:3.11-slim\n';
    writeFileSync(path.join(dir, "plain.yaml"), body);
    writeFileSync(path.join(dir, "modeline.yaml"), `# yaml-language-server: $schema=${SCHEMA_ID}\n${body}`);
    writeFileSync(path.join(dir, "key.yaml"), `$schema: ${SCHEMA_ID}\n${body}`);
    const json = { $schema: SCHEMA_ID, ...(parseYaml(body) as Record<string, unknown>) };
    writeFileSync(path.join(dir, "key.json"), JSON.stringify(json, null, 2));
    expect(validate(json), problems()).toBe(true);

    const hashes: string[] = [];
    for (const file of ["plain.yaml", "modeline.yaml", "key.yaml", "key.json"]) {
      const checked = await runCli(["validate", file], { cwd: dir });
      expect(checked.code, `${file}: ${checked.stderr}`).toBe(0);
      const out = await runCli(["hash", file], { cwd: dir });
      expect(out.code, `${file}: ${out.stderr}`).toBe(0);
      hashes.push(out.stdout.trim().split("\n").pop()!);
    }
    expect(hashes[0]).toMatch(/^efh1:[0-9a-f]{64}$/);
    expect(new Set(hashes).size).toBe(1);
  });
});
