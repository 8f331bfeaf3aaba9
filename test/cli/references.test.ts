import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { curatedEnvironment } from "@envforge/workspace";
import { tempDir } from "../support/engine.js";
import { runCli, type CliRun } from "./support.js";

/**
 * Every command that takes a definition resolves it one way (packages/workspace/src/reference.ts):
 * a file, a folder holding one, a registered NAME[@VERSION|:LABEL], or curated:NAME. Nothing here
 * builds: each command runs in-process against a registry with one registered version.
 */

const DEFINITION = "name: demo\npython:\n  pip: [rich==13.7.1]\n";

let dir: string;
let cacheDir: string;
let demoHash: string;
let curatedHash: string;

const cli = (args: string[]) => runCli([...args, "--cache-dir", cacheDir], { cwd: dir });

beforeAll(async () => {
  dir = await tempDir("envforge-refs-");
  cacheDir = path.join(dir, "cache");
  await mkdir(path.join(dir, "proj"));
  await writeFile(path.join(dir, "proj", "env.yaml"), DEFINITION);
  // A folder whose definition has another of the accepted names.
  await mkdir(path.join(dir, "alt"));
  await writeFile(path.join(dir, "alt", "envforge.yaml"), DEFINITION);
  const registered = await cli(["register", "proj", "--label", "prod", "--json"]);
  expect(registered.code, registered.stderr).toBe(0);
  demoHash = (JSON.parse(registered.stdout) as { hash: string }).hash;
  const curated = await cli(["hash", curatedEnvironment("curated:python-3.11").path]);
  curatedHash = curated.stdout.trim();
});

const REFS = [
  { kind: "file", ref: "proj/env.yaml", named: false },
  { kind: "folder (env.yaml)", ref: "proj", named: false },
  { kind: "folder (envforge.yaml)", ref: "alt", named: false },
  { kind: "NAME", ref: "demo", named: true },
  { kind: "NAME@VERSION", ref: "demo@1", named: true },
  { kind: "NAME:LABEL", ref: "demo:prod", named: true },
  { kind: "curated:NAME", ref: "curated:python-3.11", named: true },
] as const;

type Ref = (typeof REFS)[number];

const json = <T>(run: CliRun): T => {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
};

/** Each command with what shows that it read the definition the reference names. */
const COMMANDS: { name: string; check: (ref: Ref, expected: string) => Promise<void> }[] = [
  { name: "hash", check: async (r, h) => expect((await cli(["hash", r.ref])).stdout.trim()).toBe(h) },
  { name: "validate", check: async (r, h) => expect(json<{ hash: string }>(await cli(["validate", r.ref, "--json"])).hash).toBe(h) },
  { name: "explain (first side)", check: async (r, h) => expect(json<{ a: string }>(await cli(["explain", r.ref, "proj/env.yaml", "--json"])).a).toBe(h) },
  { name: "explain (second side)", check: async (r, h) => expect(json<{ b: string }>(await cli(["explain", "proj/env.yaml", r.ref, "--json"])).b).toBe(h) },
  {
    name: "dockerfile",
    check: async (r, h) => {
      const out = await cli(["dockerfile", r.ref, "--json"]);
      // Without a docker section the generator refuses, naming the missing base: the definition was read.
      const answer = JSON.parse(out.stdout) as { hash?: string; error?: { field: string } };
      if (r.kind === "curated:NAME") expect(answer.hash).toBe(h);
      else expect(answer.error?.field).toBe("docker.baseImage");
    },
  },
  {
    name: "build --dry-run",
    // The curated environment has a base image: as a venv, only its Python part (targets.test.ts).
    check: async (r, h) => expect(json<{ hash: string; dryRun: boolean }>(await cli(["build", "--dry-run", r.ref, "--json", ...(r.kind === "curated:NAME" ? ["--python-only"] : [])]))).toMatchObject({ hash: h, dryRun: true }),
  },
  {
    name: "details",
    check: async (r) => {
      const out = await cli(["details", r.ref, "--target", "venv"]);
      expect(out.code).toBe(1);
      expect(out.stderr).toContain(`${r.ref} is not built for the target venv`);
    },
  },
  { name: "env get", check: async (r, h) => expect(json<{ hash: string }>(await cli(["env", "get", r.ref, "--json"])).hash).toBe(h) },
  { name: "check", check: async (r) => expect(json<{ packages: { total: number } }>(await cli(["check", r.ref, "--json"])).packages.total).toBeGreaterThan(0) },
  { name: "cache generations", check: async (r) => expect(json<unknown[]>(await cli(["cache", "generations", r.ref, "--json"]))).toEqual([]) },
  {
    name: "cache verify",
    check: async (r) => {
      const out = await cli(["cache", "verify", r.ref]);
      expect(out.code).toBe(1);
      expect(out.stderr).toContain(`no cache entry for ${r.ref}`);
    },
  },
  {
    name: "lock",
    check: async (r) => {
      // No index here: pip's resolver is reached (the reference was resolved) and finds nothing.
      const out = await cli(["lock", r.ref, "--dry-run", "--no-index"]);
      expect(out.code, out.stderr).toBe(2);
      expect(out.stderr).toContain("pip install --dry-run (lock)");
    },
  },
  {
    name: "pin",
    check: async (r) => {
      const out = await cli(["pin", r.ref]);
      expect(out.code).toBe(1);
      // Every kind is pinned from its last build (none yet here): the reference was resolved.
      expect(out.stderr).toContain("with a lock was found");
    },
  },
];

describe("every command takes a file, a folder, NAME[@VERSION|:LABEL] or curated:NAME", () => {
  const cases = COMMANDS.flatMap((c) => REFS.map((r) => [c.name, r.kind, c, r] as const));
  it.each(cases)("%s × %s", async (_name, _kind, command, ref) => {
    await command.check(ref, ref.kind === "curated:NAME" ? curatedHash : demoHash);
  });
});

describe("a reference that names nothing: exit 1, what was tried, and the nearest thing that exists", () => {
  const MISSES = [
    { ref: "dmeo", code: "E_NOT_FOUND", says: ['registered environment "dmeo": not registered', "not there"], near: "did you mean demo?" },
    { ref: "proj/env.yml", code: "E_FILE_NOT_FOUND", says: ["proj/env.yml: not there"], near: "did you mean proj/env.yaml?" },
    { ref: "curated:pyhton-3.11", code: "E_NOT_FOUND", says: ['no curated environment named "pyhton-3.11"'], near: "did you mean curated:python-3.11?" },
    { ref: "python-3.11", code: "E_NOT_FOUND", says: ["only named with the curated: prefix"], near: "did you mean curated:python-3.11?" },
    { ref: "demo@7", code: "E_NOT_FOUND", says: ['"demo@7" is not registered'], near: "versions: 1" },
    { ref: "cache", code: "E_FILE_NOT_FOUND", says: ["holds no definition (looked for env.yaml, env.yml, envforge.yaml"], near: "a folder holding env.yaml" },
  ];
  const commands = [["hash"], ["validate"], ["explain", "proj/env.yaml"], ["dockerfile"], ["build", "--dry-run"], ["env", "get"], ["check"], ["pin"], ["lock"]];
  it.each(MISSES)("$ref", async ({ ref, code, says, near }) => {
    for (const command of commands) {
      const args = command[0] === "explain" ? ["explain", command[1]!, ref] : [...command, ref];
      const out = await cli(args);
      expect(out.code, `${args.join(" ")}: ${out.stderr}`).toBe(1);
      expect(out.stderr).toContain(code);
      for (const s of says) expect(out.stderr).toContain(s);
      expect(out.stderr).toContain(near);
      expect(out.stderr, "no stack trace").not.toMatch(/\n\s+at .+:\d+:\d+/);
    }
    const machine = JSON.parse((await cli(["hash", ref, "--json"])).stdout) as { ok: boolean; error: { code: string; hint: string } };
    expect(machine).toMatchObject({ ok: false, error: { code, hint: expect.stringContaining(near) } });
  });

  it("a folder holding a conda environment.yml says how to make a definition of it", async () => {
    await mkdir(path.join(dir, "conda-only"));
    await writeFile(path.join(dir, "conda-only", "environment.yml"), "dependencies: [numpy]\n");
    const out = await cli(["hash", "conda-only"]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("envforge import conda");
  });

  it("a file is preferred to a registered name spelled the same", async () => {
    // A file called like the registered name wins: the reference is read as the path it names.
    await writeFile(path.join(dir, "demo"), "python:\n  pip: [rich==13.7.0]\n");
    const file = (await cli(["hash", "demo"])).stdout.trim();
    expect(file).not.toBe(demoHash);
    expect((await cli(["hash", "demo@1"])).stdout.trim()).toBe(demoHash);
  });
});
