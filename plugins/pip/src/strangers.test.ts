import { spawnSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { chmod, copyFile, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createEngine, EnvforgeError, type BuildContext, type HostPolicy } from "@envforge/core/plugin-kit";
import { describe, expect, it } from "vitest";
import { pipIndexSetup, readBuilderOptions, type PipIndexSetup } from "@envforge/python";
import { recognisePython } from "./interpreter-check.js";
import { pipPlugin } from "./plugin.js";
import { urlHost } from "./sources.js";
import { writeTree } from "./test-support.js";

const site = { location: { file: "r.txt", line: 3, column: 1 }, field: "python.pipRequirements" };

async function thrown(p: Promise<unknown> | (() => unknown)): Promise<EnvforgeError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    if (e instanceof EnvforgeError) return e;
    throw e;
  }
  throw new Error("expected an EnvforgeError");
}

describe("package source hosts", () => {
  it("takes the host (and port) of the first URL, user info dropped", () => {
    expect(urlHost("https://u:p@Files.Example:8443/simple")).toBe("Files.Example:8443");
    expect(urlHost("name @ git+ssh://git@github.com/o/r.git@abc")).toBe("github.com");
    expect(urlHost("file:///srv/w")).toBe("");
    expect(urlHost("numpy==1")).toBeUndefined();
  });

  it("a definition naming a host the policy does not allow is E_POLICY while parsing; no policy allows any", async () => {
    const dir = writeTree({ "env.yaml": "python:\n  pipRequirements: r.txt\n", "r.txt": "x==1\n--extra-index-url https://evil.example/simple\n" });
    const engine = (policy: Partial<HostPolicy>) => createEngine({ plugins: [pipPlugin()], cacheDir: path.join(dir, "cache"), policy });
    const e = await thrown(engine({ indexHosts: ["pypi.org"] }).hash(path.join(dir, "env.yaml")));
    expect(e).toMatchObject({ code: "E_POLICY", location: { file: path.join(dir, "r.txt"), line: 2 }, details: { host: "evil.example" } });
    await engine({ indexHosts: ["*.example"] }).hash(path.join(dir, "env.yaml"));
    await engine({}).hash(path.join(dir, "env.yaml"));
  });

  it("under a host list, a local find-links page is E_POLICY (pip follows its links to any host); a folder is fine", async () => {
    const dir = writeTree({
      "env.yaml": "python:\n  pipRequirements: r.txt\n",
      "r.txt": "x==1\n--find-links ./links.html\n",
      "links.html": '<a href="https://evil.example/x-1-py3-none-any.whl">x</a>\n',
      "wheels/.keep": "",
    });
    const engine = (policy: Partial<HostPolicy>) => createEngine({ plugins: [pipPlugin()], cacheDir: path.join(dir, "cache"), policy });
    const e = await thrown(engine({ indexHosts: ["pypi.org"] }).hash(path.join(dir, "env.yaml")));
    expect(e).toMatchObject({ code: "E_POLICY", location: { file: path.join(dir, "r.txt"), line: 2 } });
    expect(e.message).toContain("is a page, not a folder");
    await engine({}).hash(path.join(dir, "env.yaml"));
    const folder = writeTree({ "env.yaml": "python:\n  pipRequirements: r.txt\n", "r.txt": "x==1\n--find-links ./wheels\n", "wheels/.keep": "" });
    await createEngine({ plugins: [pipPlugin()], cacheDir: path.join(folder, "cache"), policy: { indexHosts: ["pypi.org"] } }).hash(path.join(folder, "env.yaml"));
  });

  it("an index option holding whitespace is refused: pip would split it into sources nobody checked", async () => {
    const dir = writeTree({ "env.yaml": "python:\n  pipRequirements: r.txt\n", "r.txt": "x==1\n--extra-index-url 'https://pypi.org/simple https://evil.example/simple'\n" });
    const e = await thrown(createEngine({ plugins: [pipPlugin()], cacheDir: path.join(dir, "cache"), policy: { indexHosts: ["pypi.org"] } }).hash(path.join(dir, "env.yaml")));
    expect(e).toMatchObject({ code: "E_INVALID_REQUIREMENT", location: { file: path.join(dir, "r.txt"), line: 2 } });
  });
});

describe("recognising a Python interpreter without running it", () => {
  const python = realpathSync(spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout.trim() || "/usr/bin/python3");

  it("accepts CPython (static, and linked to libpython), through symlinks", async () => {
    const candidates = [python, "/usr/bin/python3"].filter((p) => existsSync(p));
    expect(candidates.length).toBeGreaterThan(0);
    for (const p of candidates) expect(await recognisePython(p, site)).toBe(realpathSync(p));
  });

  it("refuses scripts, other programs, text, FIFOs, folders and relative paths, without running them", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "envforge-interp-"));
    const marker = path.join(dir, "ran");
    const script = path.join(dir, "evil.sh");
    await writeFile(script, `#!/bin/sh\ntouch ${marker}\n`);
    await chmod(script, 0o755);
    const sh = path.join(dir, "python3");
    await copyFile(realpathSync("/bin/sh"), sh);
    await chmod(sh, 0o755);
    const notExecutable = path.join(dir, "python-noexec");
    await copyFile(python, notExecutable);
    await chmod(notExecutable, 0o644);
    const fifo = path.join(dir, "fifo");
    spawnSync("mkfifo", [fifo]);
    const cases: Array<[string, RegExp]> = [
      [script, /not a program binary/],
      [sh, /not a Python interpreter/],
      [notExecutable, /not executable/],
      [fifo, /not a regular file/],
      [dir, /not a regular file/],
      ["python3", /not an absolute path/],
    ];
    for (const [file, why] of cases) {
      const e = await thrown(recognisePython(file, site));
      expect(e.code, file).toBe("E_INVALID_VALUE");
      expect(e.message, file).toMatch(why);
      expect(e.location).toEqual(site.location);
    }
    expect((await thrown(recognisePython(path.join(dir, "missing"), site))).code).toBe("E_FILE_NOT_FOUND");
    expect(existsSync(marker)).toBe(false);
  });
});

describe("what pip sees (pipIndexSetup)", () => {
  /** Runs a build of `files` far enough to capture pip's setup, then stops it. */
  async function setupOf(files: Record<string, string>, policy: Partial<HostPolicy>, pip: Record<string, unknown> = {}): Promise<PipIndexSetup> {
    const dir = writeTree(files);
    const engine = createEngine({ plugins: [pipPlugin()], cacheDir: path.join(dir, "cache"), policy });
    let captured: PipIndexSetup | undefined;
    engine.hooks.build.for("venv").tapPromise({ name: "capture", stage: -100 }, async (ctx: BuildContext) => {
      captured = await pipIndexSetup(ctx, readBuilderOptions(ctx.options.pip));
      throw new EnvforgeError({ code: "E_BUILD_FAILED", message: "captured" });
    });
    await engine.build(path.join(dir, "env.yaml"), { target: "venv", builderOptions: { pip } }).catch((e: unknown) => {
      if (!(e instanceof EnvforgeError) || e.message !== "captured") throw e;
    });
    return captured!;
  }

  it("gets the tool allowlist, passed variables and pip.env; no other host variable; definition values expanded from those only", async () => {
    process.env.ENVFORGE_UNIT_HOST_SECRET = "host-secret-value";
    process.env.ENVFORGE_UNIT_PASSED = "passed-token-value";
    process.env.PIP_INDEX_URL = "https://host-pip-config.example/simple";
    try {
      const files = { "env.yaml": "python:\n  pipRequirements: r.txt\n", "r.txt": "x==1\n--extra-index-url https://u:${ENVFORGE_UNIT_PASSED}@h.example/${FROM_OPTIONS}/simple\n-f wheels\n" };
      const setup = await setupOf(files, { passEnv: ["ENVFORGE_UNIT_PASSED"] }, { env: { FROM_OPTIONS: "opt" }, findLinks: ["/host/wheels"] });
      expect(setup.env.ENVFORGE_UNIT_HOST_SECRET).toBeUndefined();
      expect(setup.env.ENVFORGE_UNIT_PASSED).toBe("passed-token-value");
      expect(setup.env.FROM_OPTIONS).toBe("opt");
      expect(setup.env.PATH).toBe(process.env.PATH);
      expect(setup.env.PIP_CONFIG_FILE).toBe("/dev/null");
      expect(setup.env.PIP_INDEX_URL).toBeUndefined();
      expect(setup.env.PIP_EXTRA_INDEX_URL).toBe("https://u:passed-token-value@h.example/opt/simple");
      expect(setup.baseEnv.PIP_EXTRA_INDEX_URL).toBeUndefined();
      // Builder options are the host's: not confined.
      expect(setup.args).toEqual(["--find-links", "/host/wheels", "--find-links", expect.stringMatching(/\/wheels$/)]);
      expect(setup.redact("Looking in indexes: https://u:passed-token-value@h.example/opt/simple")).not.toContain("passed-token-value");
      expect(setup.redact("token passed-token-value")).toBe("token ***");

      const inherited = await setupOf({ "env.yaml": "python:\n  pip: [x==1]\n" }, {}, { inheritPipConfig: true });
      expect(inherited.env.PIP_INDEX_URL).toBe("https://host-pip-config.example/simple");
      expect(inherited.env.ENVFORGE_UNIT_HOST_SECRET).toBeUndefined();
    } finally {
      delete process.env.ENVFORGE_UNIT_HOST_SECRET;
      delete process.env.ENVFORGE_UNIT_PASSED;
      delete process.env.PIP_INDEX_URL;
    }
  });

  it("a variable in pip.env may be named by the definition; one in neither is refused at its line", async () => {
    const files = { "env.yaml": "python:\n  pipRequirements: r.txt\n", "r.txt": "x==1\n--index-url https://h.example/${TOKEN}/simple\n" };
    expect((await setupOf(files, {}, { env: { TOKEN: "from-options" } })).env.PIP_INDEX_URL).toBe("https://h.example/from-options/simple");
    const dir = writeTree(files);
    const engine = createEngine({ plugins: [pipPlugin()], cacheDir: path.join(dir, "cache") });
    const e = await thrown(engine.build(path.join(dir, "env.yaml"), { target: "venv" }));
    expect(e).toMatchObject({ code: "E_ENV_NOT_ALLOWED", location: { file: path.join(dir, "r.txt"), line: 2 } });
  });
});
