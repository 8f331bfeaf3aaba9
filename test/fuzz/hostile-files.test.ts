import { mkdir, open, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { EnvforgeError, type SpecSource } from "@envforge/core/plugin-kit";
import { beforeAll, describe, expect, it } from "vitest";
import { testEngine } from "../support/engine.js";
import { report, tmp } from "../reliability/support.js";

/**
 * Referenced files outside the definition's folder are refused unless the host allows them, and
 * oversized input is refused with a clear limit before it is read or expanded (not an OOM).
 */
let root: string;
let defs: string;
let outside: string;

async function refusal(run: Promise<unknown>): Promise<EnvforgeError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EnvforgeError);
  return error as EnvforgeError;
}

beforeAll(async () => {
  root = await tmp("hostile-files");
  defs = path.join(root, "defs");
  outside = path.join(root, "outside");
  await mkdir(path.join(defs, "nested"), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(path.join(outside, "requirements.txt"), "numpy==1.26\n");
  await writeFile(path.join(outside, "environment.yml"), "dependencies: [numpy=1.26]\n");
  await writeFile(path.join(outside, "Dockerfile"), "FROM debian:12\n");
  await writeFile(path.join(defs, "requirements.txt"), "numpy==1.26\n");
  await writeFile(path.join(defs, "includes-outside.txt"), "-r ../outside/requirements.txt\n");
  await writeFile(path.join(defs, "findlinks-outside.txt"), "--find-links ../outside\nnumpy==1.26\n");
  await writeFile(path.join(defs, "constrains-outside.txt"), "-c ../outside/requirements.txt\nnumpy\n");
  await writeFile(path.join(defs, "nested", "includes-up.txt"), "-r ../requirements.txt\n");
  await writeFile(path.join(defs, "loop.txt"), "numpy\n-r loop.txt\n");
  await symlink(path.join(outside, "requirements.txt"), path.join(defs, "link-out.txt"));
  await symlink(path.join(defs, "requirements.txt"), path.join(defs, "link-in.txt"));
  await symlink(outside, path.join(defs, "dir-out"));
  await symlink(path.join(outside, "environment.yml"), path.join(defs, "env-link.yml"));
  await symlink(path.join(outside, "Dockerfile"), path.join(defs, "Dockerfile.link"));
  await writeFile(path.join(defs, "channel-outside.yml"), `channels: ["file://${outside}"]\ndependencies: [numpy=1.26]\n`);
});

const def = (object: Record<string, unknown>): SpecSource => ({ object, dir: defs, file: path.join(defs, "env.yaml") });

describe("referenced files outside the definition's folder", () => {
  const outsideCases: Array<[string, () => Record<string, unknown>, string]> = [
    ["pip: ../", () => ({ python: { pipRequirements: "../outside/requirements.txt" } }), "python.pipRequirements"],
    ["pip: absolute path", () => ({ python: { pipRequirements: path.join(outside, "requirements.txt") } }), "python.pipRequirements"],
    ["pip: a symlink pointing out", () => ({ python: { pipRequirements: "link-out.txt" } }), "python.pipRequirements"],
    ["pip: through a symlinked folder", () => ({ python: { pipRequirements: "dir-out/requirements.txt" } }), "python.pipRequirements"],
    ["pip: a -r include pointing out", () => ({ python: { pipRequirements: "includes-outside.txt" } }), "python.pipRequirements"],
    ["pip: a -c include pointing out", () => ({ python: { pipRequirements: "constrains-outside.txt" } }), "python.pipRequirements"],
    ["pip: an inline -r pointing out", () => ({ python: { pip: ["-r ../outside/requirements.txt"] } }), "python.pip[0]"],
    ["pip: --find-links ../ in a requirements file", () => ({ python: { pipRequirements: "findlinks-outside.txt" } }), "python.pipRequirements"],
    ["pip: --find-links through a symlinked folder, inline", () => ({ python: { pip: ["--find-links dir-out", "numpy==1.26"] } }), "python.pip[0]"],
    ["pip: --find-links file:// URL, inline", () => ({ python: { pip: [`--find-links file://${outside}`, "numpy==1.26"] } }), "python.pip[0]"],
    ["conda: ../", () => ({ python: { condaFile: "../outside/environment.yml" } }), "python.condaFile"],
    ["conda: a symlink pointing out", () => ({ python: { condaFile: "env-link.yml" } }), "python.condaFile"],
    ["docker: absolute path", () => ({ docker: { baseDockerfile: path.join(outside, "Dockerfile") } }), "docker.baseDockerfile"],
    ["docker: a symlink pointing out", () => ({ docker: { baseDockerfile: "Dockerfile.link" } }), "docker.baseDockerfile"],
    ["spark: a file: repository with ..", () => ({ spark: { packages: ["com.example:a:1.0"], repositories: [`file://${defs}/../outside`] } }), "spark.repositories[0]"],
    ["spark: an absolute file: repository", () => ({ spark: { packages: ["com.example:a:1.0"], repositories: ["https://repo1.maven.org/maven2", `file://${outside}`] } }), "spark.repositories[1]"],
    ["spark: a file: repository through a symlinked folder", () => ({ spark: { packages: ["com.example:a:1.0"], repositories: [`file://${defs}/dir-out`] } }), "spark.repositories[0]"],
    ["conda: a relative channel path (read against the working directory)", () => ({ python: { conda: { channels: [path.relative(process.cwd(), outside)], dependencies: ["numpy=1.26"] } } }), "python.conda.channels[0]"],
    ["conda: a channel path with ..", () => ({ python: { conda: { channels: ["conda-forge", `${defs}/../outside`], dependencies: ["numpy=1.26"] } } }), "python.conda.channels[1]"],
    ["conda: a file:// channel", () => ({ python: { conda: { channels: [`file://${outside}`], dependencies: ["numpy=1.26"] } } }), "python.conda.channels[0]"],
    ["conda: a channel through a symlinked folder", () => ({ python: { conda: { channels: [path.join(defs, "dir-out")], dependencies: ["numpy=1.26"] } } }), "python.conda.channels[0]"],
    ["conda: a file:// channel in the conda file", () => ({ python: { condaFile: "channel-outside.yml" } }), "python.condaFile.channels[0]"],
    ["conda: a dependency's own channel", () => ({ python: { conda: { dependencies: [`file://${outside}::numpy=1.26`] } } }), "python.conda.dependencies"],
  ];

  it.each(outsideCases)("%s is E_FILE_OUTSIDE_ROOT naming the field, and accepted when the host allows it", async (_, object, field) => {
    const { engine } = await testEngine();
    const error = await refusal(engine.hash(def(object())));
    expect(error.code).toBe("E_FILE_OUTSIDE_ROOT");
    expect(error.field ?? "").toContain(field);
    expect(error.location?.file).toBeDefined();
    expect(error.hint).toMatch(/allowFilesOutsideRoot/);
    const { engine: permissive } = await testEngine({ allowFilesOutsideRoot: true });
    expect((await permissive.hash(def(object()))).hash).toMatch(/^efh1:/);
  });

  it("files inside (a subfolder including its parent inside the root, a symlink pointing inside) are read", async () => {
    const { engine } = await testEngine();
    const direct = await engine.hash(def({ python: { pip: ["numpy==1.26"] } }));
    expect((await engine.hash(def({ python: { pipRequirements: "link-in.txt" } }))).hash).toBe(direct.hash);
    expect((await engine.hash(def({ python: { pipRequirements: "nested/includes-up.txt" } }))).hash).toBe(direct.hash);
    await engine.hash(def({ spark: { packages: ["com.example:a:1.0"], repositories: [`file://${defs}/nested`] } }));
    await engine.hash(def({ python: { conda: { channels: [`file://${defs}/nested`, path.join(defs, "nested")], dependencies: ["numpy=1.26"] } } }));
  });
});

describe("oversized input is refused with a clear limit, not an out-of-memory", () => {
  const grow = () => process.memoryUsage().rss;

  it("a 50 MB definition file is refused before it is read", async () => {
    const file = path.join(root, "huge.yaml");
    const handle = await open(file, "w");
    const chunk = Buffer.from(`python:\n  pip:\n${"    - numpy==1.26\n".repeat(4096)}`);
    for (let written = 0; written < 50 * 1024 * 1024; written += chunk.length) await handle.write(chunk);
    await handle.close();
    const { engine } = await testEngine();
    const before = grow();
    const t0 = Date.now();
    const error = await refusal(engine.hash(file));
    expect(error.code).toBe("E_INPUT_TOO_LARGE");
    expect(error.message).toMatch(/over the limit of \d+/);
    expect(error.hint).toMatch(/maxFileBytes/);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(grow() - before).toBeLessThan(40 * 1024 * 1024);
    report("oversized-file", { bytes: 50 * 1024 * 1024, code: error.code, ms: Date.now() - t0 });
  });

  it("a 50 MB definition handed over as text is refused", async () => {
    const { engine } = await testEngine();
    const error = await refusal(engine.hash({ text: `name: x\ndescription: ${"x".repeat(50 * 1024 * 1024)}\n`, file: "big.yaml" }));
    expect(error.code).toBe("E_INPUT_TOO_LARGE");
  });

  it("100k requirements are refused inline (YAML text and host object), in a requirements file and in a conda file", async () => {
    const names = Array.from({ length: 100_000 }, (_, i) => `pkg-${i}==1.0`);
    await writeFile(path.join(defs, "huge-requirements.txt"), `${names.join("\n")}\n`);
    await writeFile(path.join(defs, "huge-environment.yml"), `dependencies:\n  - pip:\n${names.map((n) => `    - ${n}`).join("\n")}\n`);
    const { engine } = await testEngine();
    const cases: Array<[string, SpecSource]> = [
      ["yaml text", { text: `python:\n  pip:\n${names.map((n) => `    - ${n}`).join("\n")}\n`, file: path.join(defs, "env.yaml"), dir: defs }],
      ["host object", def({ python: { pip: names } })],
      ["requirements file", def({ python: { pipRequirements: "huge-requirements.txt" } })],
      ["conda file", def({ python: { condaFile: "huge-environment.yml" } })],
    ];
    const figures: Record<string, string> = {};
    for (const [what, source] of cases) {
      const before = grow();
      const error = await refusal(engine.hash(source));
      expect(error.code, what).toBe("E_INPUT_TOO_LARGE");
      expect(error.message, what).toMatch(/limit|more than/);
      expect(error.hint, what).toMatch(/limits\.max/);
      expect(grow() - before, what).toBeLessThan(200 * 1024 * 1024);
      figures[what] = error.message.slice(0, 80);
    }
    report("oversized-lists", { requirements: names.length, refused: figures });
  });

  it("include loops, alias bombs and deep nesting are refused, not expanded", async () => {
    const { engine } = await testEngine();
    const loop = await refusal(engine.hash(def({ python: { pipRequirements: "loop.txt" } })));
    expect(`${loop.code} ${loop.message}`).toMatch(/E_INPUT_TOO_LARGE|E_INVALID_REQUIREMENT .*cycle/);
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`), "tags: {x: *j}"].join("\n");
    expect((await refusal(engine.hash({ text: bomb, file: "bomb.yaml" }))).code).toMatch(/E_INVALID_YAML|E_INPUT_TOO_LARGE|E_UNKNOWN_KEY/);
    const deep = `python:\n  pip: ${"[".repeat(50_000)}${"]".repeat(50_000)}\n`;
    expect((await refusal(engine.hash({ text: deep, file: "deep.yaml" }))).code).toMatch(/E_INVALID_YAML|E_INPUT_TOO_LARGE/);
    let nested: unknown = "numpy";
    for (let i = 0; i < 10_000; i++) nested = [nested];
    expect((await refusal(engine.hash({ object: { python: { pip: nested } } }))).code).toBe("E_INPUT_TOO_LARGE");
  });
});
