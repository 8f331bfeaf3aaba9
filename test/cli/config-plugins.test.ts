/**
 * Plugins from outside in the stock CLI: an envforge.config.{mjs,json} found upward from the
 * working folder and `--plugin PATH` load a tiny plugin (a `stamp:` section and a `stamp-file`
 * target) that `validate`, `schema` and `build` then know; the quick path leaves such a folder
 * to the full CLI; a plugin that cannot be loaded is an input error naming it.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/engine.js";
import { repoRoot } from "../support/paths.js";
import { runCli, runQuick } from "./support.js";

/** The plugin kit as the CLI under test loads it (its source), so the plugin and the CLI share one core. */
const KIT = pathToFileURL(path.join(repoRoot, "packages/core/src/plugin-kit.ts")).href;

const PLUGIN = `import { mkdir, writeFile } from "node:fs/promises";
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
