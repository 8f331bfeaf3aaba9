/**
 * Plugins from outside in the stock CLI: an envforge.config.{mjs,json} found upward from the
 * working folder and `--plugin PATH` load a tiny plugin (a `stamp:` section and a `stamp-file`
 * target) that `validate`, `schema` and `build` then know; the quick path leaves such a folder
 * to the full CLI; a plugin that cannot be loaded is an input error naming it.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/engine.js";
import { expectExit, runCliProcess } from "../support/cli-process.js";
import { repoRoot } from "../support/paths.js";
import { runCli, runQuick } from "./support.js";

/** The plugin kit as the CLI under test loads it (its source), so the plugin and the CLI share one core. */
const KIT = pathToFileURL(path.join(repoRoot, "packages/core/src/plugin-kit.ts")).href;

const PLUGIN = `import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { createError, definePlugin, defineSection, z } from ${JSON.stringify(KIT)};

const stamp = defineSection({
  name: "stamp",
  schema(schema) {
    schema.field({ path: "stamp", section: "stamp", schema: z.string(), description: "Text the stamp-file target writes" });
  },
  parse(fields, ctx) {
    const text = fields["stamp"];
    if (text.trim() === "") throw createError("E_INVALID_VALUE", "stamp is empty", { location: ctx.locate(["stamp"]), field: "stamp" });
    return { text };
  },
  canonicalize: (parsed) => ({ text: parsed.text }),
});

export default function stampPlugin(options = {}) {
  return definePlugin({
    name: "stamp",
    sections: [stamp],
    apply(engine) {
      engine.targets.declare({ name: "stamp-file", carries: ["stamp"] });
      engine.hooks.build.for("stamp-file").tapPromise("stamp", async (ctx) => {
        await mkdir(ctx.artifactDir, { recursive: true });
        await writeFile(path.join(ctx.artifactDir, "stamp.txt"), (options.prefix ?? "") + ctx.canonical.sections.stamp.text + "\\n");
        return { artifact: { kind: "stamp-folder", path: ctx.artifactDir } };
      });
    },
  });
}
`;

let dir: string;
let cacheDir: string;
const env = () => ({ ENVFORGE_CACHE_DIR: cacheDir, ENVFORGE_CONFIG: "" });

beforeAll(async () => {
  dir = await tempDir("envforge-config-");
  cacheDir = path.join(dir, "cache");
  await writeFile(path.join(dir, "stamp-plugin.mjs"), PLUGIN);
  await writeFile(path.join(dir, "env.yaml"), "stamp: hello\n");
});

async function project(config: { name: string; text: string }): Promise<string> {
  const root = await tempDir("envforge-project-");
  // A .git folder ends the upward search: a config above the repository is somebody else's.
  await mkdir(path.join(root, ".git"));
  await writeFile(path.join(root, config.name), config.text);
  await mkdir(path.join(root, "sub"));
  await writeFile(path.join(root, "sub", "env.yaml"), "stamp: hello\n");
  return root;
}

describe("plugins from an envforge.config file", () => {
  it("an .mjs config found from a sub-folder loads the plugin with its options: validate, schema and build know it", async () => {
    const root = await project({
      name: "envforge.config.mjs",
      text: `import stamp from ${JSON.stringify(pathToFileURL(path.join(dir, "stamp-plugin.mjs")).href)};\nexport default { plugins: [stamp({ prefix: "> " })] };\n`,
    });
    const cwd = path.join(root, "sub");
    const validated = await runCli(["validate", "env.yaml"], { cwd, env: env() });
    expect(validated.code, validated.stderr).toBe(0);
    expect(validated.stdout).toContain("stamp");
    const schema = await runCli(["schema"], { cwd, env: env() });
    expect(schema.code, schema.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(schema.stdout))).toContain("Text the stamp-file target writes");
    const built = await runCli(["build", "env.yaml", "--target", "stamp-file", "--print-artifact-path"], { cwd, env: env() });
    expect(built.code, built.stderr).toBe(0);
    expect(readFileSync(path.join(built.stdout.trim(), "stamp.txt"), "utf8")).toBe("> hello\n");
    // The quick path's memo names the bundled pipeline only: with a config here it answers nothing.
    expect(await runQuick(["build", "env.yaml", "--target", "stamp-file"], { cwd, env: env() })).toBeUndefined();
  });

  it("a .json config lists plugins by path (against its folder) with options", async () => {
    const root = await project({ name: "envforge.config.json", text: JSON.stringify({ plugins: [["./plugins/stamp.mjs", { prefix: "json " }]] }) });
    // Another definition: options are not hashed, the first test's build would answer.
    await writeFile(path.join(root, "sub", "env.yaml"), "stamp: from json\n");
    await mkdir(path.join(root, "plugins"));
    await writeFile(path.join(root, "plugins", "stamp.mjs"), PLUGIN);
    const built = await runCli(["build", "sub/env.yaml", "--target", "stamp-file", "--print-artifact-path"], { cwd: root, env: env() });
    expect(built.code, built.stderr).toBe(0);
    expect(readFileSync(path.join(built.stdout.trim(), "stamp.txt"), "utf8")).toBe("json from json\n");
  });

  it("without the config (nor --plugin) the section is unknown", async () => {
    const out = await runCli(["validate", "env.yaml"], { cwd: dir, env: env() });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/E_NO_PLUGIN|E_UNKNOWN_KEY/);
  });

  it("a plugin that fails to load is E_PLUGIN_LOAD (exit 1) naming the file and the reason", async () => {
    const root = await project({ name: "envforge.config.json", text: JSON.stringify({ plugins: ["./missing.mjs", "not-a-package-envforge-knows"] }) });
    const out = await runCli(["validate", "sub/env.yaml"], { cwd: root, env: env() });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("E_PLUGIN_LOAD");
    expect(out.stderr).toContain(path.join(root, "missing.mjs"));
    await writeFile(path.join(root, "envforge.config.json"), JSON.stringify({ plugins: ["./bad.mjs"] }));
    await writeFile(path.join(root, "bad.mjs"), "export default 42;\n");
    const bad = await runCli(["validate", "sub/env.yaml", "--json"], { cwd: root, env: env() });
    expect(bad.code).toBe(1);
    const error = (JSON.parse(bad.stdout) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe("E_PLUGIN_LOAD");
    expect(error.message).toContain(path.join(root, "bad.mjs"));
  });
});

describe("--plugin", () => {
  it("loads a module by path against the working folder, for validate and build", async () => {
    const validated = await runCli(["validate", "env.yaml", "--plugin", "./stamp-plugin.mjs"], { cwd: dir, env: env() });
    expect(validated.code, validated.stderr).toBe(0);
    const built = await runCli(["--plugin", "./stamp-plugin.mjs", "build", "env.yaml", "-t", "stamp-file", "--print-artifact-path"], { cwd: dir, env: env() });
    expect(built.code, built.stderr).toBe(0);
    expect(existsSync(path.join(built.stdout.trim(), "stamp.txt"))).toBe(true);
    // A flag the quick path does not take: the full CLI answers.
    expect(await runQuick(["build", "env.yaml", "-t", "stamp-file", "--plugin", "./stamp-plugin.mjs"], { cwd: dir, env: env() })).toBeUndefined();
  });
});

/**
 * The command users run is a bundle holding its own copy of core; a plugin imports the
 * @envforge/core installed beside it (here the built package, through node_modules). Errors cross
 * by their brand (`Symbol.for("envforge.error")`), not by class identity: a plugin's
 * `createError` is an input error like the engine's own, a plain throw is the plugin's fault.
 */
describe("--plugin with the bundled command (bin/envforge.js)", () => {
  const BRANDED = PLUGIN.replace(JSON.stringify(KIT), JSON.stringify("@envforge/core/plugin-kit")).replace(
    "    return { text };",
    '    if (text === "crash") throw new Error("stamp plugin crashed");\n    return { text };',
  );
  let root: string;

  beforeAll(async () => {
    root = await tempDir("envforge-bundled-plugin-");
    await mkdir(path.join(root, ".git"));
    await mkdir(path.join(root, "node_modules", "@envforge"), { recursive: true });
    await symlink(path.join(repoRoot, "packages", "core"), path.join(root, "node_modules", "@envforge", "core"));
    await writeFile(path.join(root, "stamp-plugin.mjs"), BRANDED);
    await writeFile(path.join(root, "env.yaml"), "stamp: hello\n");
    await writeFile(path.join(root, "empty.yaml"), 'stamp: " "\n');
    await writeFile(path.join(root, "crash.yaml"), "stamp: crash\n");
  });

  const cli = (args: string[]) => runCliProcess(["--plugin", "./stamp-plugin.mjs", ...args], { ENVFORGE_CACHE_DIR: path.join(root, "cache"), ENVFORGE_CONFIG: "" }, 60_000, root);

  it("validates, hashes and builds with the plugin's section and target", async () => {
    expectExit(await cli(["validate", "env.yaml"]), 0);
    const hashed = await cli(["hash", "env.yaml"]);
    expectExit(hashed, 0);
    expect(hashed.stdout).toMatch(/^efh1:[0-9a-f]{64}$/m);
    const built = await cli(["build", "env.yaml", "-t", "stamp-file", "--print-artifact-path"]);
    expectExit(built, 0);
    expect(readFileSync(path.join(built.stdout.trim(), "stamp.txt"), "utf8")).toBe("hello\n");
  });

  it("the plugin's own createError is recognised: an input error (exit 1) with its code, location and field", async () => {
    const run = await cli(["hash", "empty.yaml", "--json"]);
    expectExit(run, 1);
    const { error } = JSON.parse(run.stdout) as { error: { code: string; message: string; field: string; location: { line: number } } };
    expect(error).toMatchObject({ code: "E_INVALID_VALUE", message: "stamp is empty", field: "stamp", location: { line: 1 } });
  });

  it("a plain throw from the plugin is E_PLUGIN naming it (exit 3), as with the unbundled engine", async () => {
    const run = await cli(["hash", "crash.yaml"]);
    expectExit(run, 3);
    expect(run.stderr).toContain("E_PLUGIN");
    expect(run.stderr).toContain("stamp");
    expect(run.stderr).toContain("stamp plugin crashed");
  });
});
