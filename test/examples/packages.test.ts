import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The packages as users get them: every workspace package packed with `pnpm pack` (what
 * `pnpm publish` uploads), its tarball read, and all of them installed by npm in a project outside
 * the repository, typechecked under `moduleResolution` node16 and bundler and imported at run time.
 * Needs the built dist/ (`tsc -b`) and the npm registry (for third-party dependencies).
 */
const repoRoot = path.resolve(import.meta.dirname, "../..");
const env = { ...process.env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };

interface Packed {
  dir: string;
  tarball: string;
  files: string[];
  manifest: Manifest;
}
interface Manifest {
  name: string;
  version: string;
  description?: string;
  keywords?: string[];
  license?: string;
  repository?: { type: string; url: string; directory: string };
  engines?: { node?: string };
  exports: Record<string, Record<string, string>>;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const workspacePackages = ["packages", "plugins"].flatMap((group) => readdirSync(path.join(repoRoot, group)).map((d) => path.join(repoRoot, group, d)));
const work = mkdtempSync(path.join(os.tmpdir(), "envforge-packages-"));
const packed = new Map<string, Packed>();

beforeAll(() => {
  const tarballs = path.join(work, "tarballs");
  for (const dir of workspacePackages) {
    const out = path.join(tarballs, path.basename(dir));
    mkdirSync(out, { recursive: true });
    execFileSync("npx", ["-y", "pnpm@10", "pack", "--pack-destination", out], { cwd: dir, env, stdio: "ignore" });
    const tarball = path.join(out, readdirSync(out)[0]!);
    const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n");
    const manifest = JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" })) as Manifest;
    packed.set(manifest.name, { dir, tarball, files, manifest });
  }
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every @envforge package a package brings along when installed (dependencies, not peers). */
function envforgeClosure(name: string, out = new Set<string>()): Set<string> {
  for (const dep of Object.keys(packed.get(name)?.manifest.dependencies ?? {})) {
    if (dep.startsWith("@envforge/") && !out.has(dep)) {
      out.add(dep);
      envforgeClosure(dep, out);
    }
  }
  return out;
}

describe("every packed package", () => {
  it("packs every workspace package", () => {
    expect(packed.size).toBe(workspacePackages.length);
  });

  it("carries LICENSE (the root's MIT text) and README, and no tests or build metadata", () => {
    const license = readFileSync(path.join(repoRoot, "LICENSE"), "utf8");
    for (const { manifest, tarball, files } of packed.values()) {
      expect(files, manifest.name).toContain("package/LICENSE");
      expect(files, manifest.name).toContain("package/README.md");
      expect(execFileSync("tar", ["-xzOf", tarball, "package/LICENSE"], { encoding: "utf8" }), manifest.name).toBe(license);
      const shipped = files.filter((f) => /\.test\.|\.tsbuildinfo$|test-support|\/testing\/|\/fixtures\//.test(f));
      expect(shipped, manifest.name).toEqual([]);
      // Every shipped module still has its source: no output of a deleted file (prepack prunes them).
      const orphans = files
        .filter((f) => /^package\/dist\/.*\.js$/.test(f))
        .filter((f) => !files.includes(f.replace(/^package\/dist\//, "package/src/").replace(/\.js$/, ".ts")));
      expect(orphans, manifest.name).toEqual([]);
    }
  });

  it("has real versions (no workspace: ranges), lockstep, with the publishing metadata", () => {
    const versions = new Set([...packed.values()].map((p) => p.manifest.version));
    expect(versions.size).toBe(1);
    for (const { manifest, dir } of packed.values()) {
      const ranges = Object.values({ ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.devDependencies });
      expect(ranges.filter((r) => r.startsWith("workspace:")), manifest.name).toEqual([]);
      expect(manifest.description, manifest.name).toBeTruthy();
      expect(manifest.keywords?.length, manifest.name).toBeGreaterThan(0);
      expect(manifest.license).toBe("MIT");
      expect(manifest.engines?.node).toBe(">=20");
      expect(manifest.repository).toEqual({ type: "git", url: "https://github.com/envforge/envforge.git", directory: path.relative(repoRoot, dir) });
    }
  });

  it("publishes exports with types first, no repository-only condition, and every target shipped", () => {
    for (const { manifest, files, dir } of packed.values()) {
      // publishConfig.exports is the repository's exports without `source`: the two must not drift.
      const repoExports = (JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as Manifest).exports;
      const withoutSource = Object.fromEntries(Object.entries(repoExports).map(([k, { source: _source, ...rest }]) => [k, rest]));
      expect(manifest.exports, manifest.name).toEqual(withoutSource);
      for (const [subpath, conditions] of Object.entries(manifest.exports)) {
        expect(Object.keys(conditions), `${manifest.name} ${subpath}`).toEqual(["types", "default"]);
        for (const target of Object.values(conditions)) expect(files, `${manifest.name} ${subpath}`).toContain(path.posix.join("package", target));
      }
      for (const bin of Object.values(manifest.bin ?? {})) expect(files).toContain(path.posix.join("package", bin));
    }
  });

  it("makes @envforge/core a peer of every package but the CLI, and takes zod from core", () => {
    for (const { manifest } of packed.values()) {
      if (manifest.name === "@envforge/core") continue;
      const deps = manifest.dependencies ?? {};
      if (manifest.name === "@envforge/cli") {
        expect(deps["@envforge/core"]).toBe(manifest.version);
        continue;
      }
      expect(manifest.peerDependencies?.["@envforge/core"], manifest.name).toBe(`^${manifest.version}`);
      expect(deps["@envforge/core"], manifest.name).toBeUndefined();
      expect(deps["zod"], manifest.name).toBeUndefined();
    }
  });

  it("gives a host of core and plugin-pip nothing else of envforge", () => {
    expect([...envforgeClosure("@envforge/plugin-pip")]).toEqual(["@envforge/python"]);
    expect([...envforgeClosure("@envforge/core")]).toEqual([]);
  });
});

describe("all packages installed by npm outside the repository", () => {
  const project = path.join(work, "all");
  const entries = () => [...packed.values()].flatMap(({ manifest }) => Object.keys(manifest.exports).map((sub) => path.posix.join(manifest.name, sub)));

  beforeAll(() => {
    mkdirSync(path.join(project, "src"), { recursive: true });
    const dependencies = Object.fromEntries([...packed.values()].map((p) => [p.manifest.name, `file:${p.tarball}`]));
    const manifest = { name: "all-envforge", private: true, type: "module", dependencies, devDependencies: { "@types/node": "^20.19.0", typescript: "~6.0.3" } };
    writeFileSync(path.join(project, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    // One namespace import per entry point (package and subpath): each must resolve with its types.
    const imports = entries().map((e, i) => `import * as m${i} from "${e}";`);
    writeFileSync(path.join(project, "src", "all.ts"), `${imports.join("\n")}\nexport const modules = [${entries().map((_, i) => `m${i}`).join(", ")}];\n`);
    const tsconfig = (module: string, resolution: string) =>
      JSON.stringify({ compilerOptions: { target: "ES2022", module, moduleResolution: resolution, strict: true, noEmit: true, types: ["node"], skipLibCheck: false }, include: ["src"] });
    writeFileSync(path.join(project, "tsconfig.node16.json"), tsconfig("Node16", "Node16"));
    writeFileSync(path.join(project, "tsconfig.bundler.json"), tsconfig("ESNext", "Bundler"));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: project, env, stdio: "inherit" });
  }, 600_000);

  // skipLibCheck off: the shipped .d.ts files must stand on their own, not only resolve.
  it("typechecks every entry point under moduleResolution node16 and bundler", () => {
    for (const config of ["tsconfig.node16.json", "tsconfig.bundler.json"]) {
      execFileSync(path.join(project, "node_modules/.bin/tsc"), ["-p", config], { cwd: project, encoding: "utf8" });
    }
  }, 300_000);

  it("imports every entry point at run time", () => {
    const code = `${entries().map((e) => `await import(${JSON.stringify(e)});`).join("")} console.log("ok");`;
    expect(execFileSync(process.execPath, ["--input-type=module", "-e", code], { cwd: project, encoding: "utf8" }).trim()).toBe("ok");
  });

  it("installs exactly one copy of core", () => {
    const copies = execFileSync("npm", ["ls", "@envforge/core", "--all", "--parseable"], { cwd: project, encoding: "utf8" })
      .trim()
      .split("\n")
      .filter((line) => line.endsWith(path.join("node_modules", "@envforge", "core")));
    expect(new Set(copies).size).toBe(1);
  });

  it("runs the envforge command from its bin", () => {
    const version = execFileSync(path.join(project, "node_modules/.bin/envforge"), ["--version"], { cwd: project, encoding: "utf8" });
    expect(version.trim()).toContain(packed.get("@envforge/cli")!.manifest.version);
  });

  // The bin runs the CLI's bundle (scripts/bundle-cli.mjs), shipped in the tarball: it hashes
  // definitions, finds the curated ones in the installed @envforge/workspace, and loads rattler.
  it("ships the bundle, and the bundled command hashes a definition and a curated environment", () => {
    const cli = packed.get("@envforge/cli")!;
    for (const file of ["bin/envforge.js", "bin/package.json", "bundle/quick.cjs", "bundle/envforge.cjs", "bundle/vendor/rattler.cjs"]) expect(cli.files).toContain(`package/${file}`);
    expect(cli.files.filter((f) => f.startsWith("package/bundle/.") || f.endsWith(".tmp"))).toEqual([]);
    writeFileSync(path.join(project, "env.yaml"), 'python:\n  pip: ["requests==2.31.0"]\n  conda:\n    channels: [conda-forge]\n    dependencies: ["numpy >=1.26,<2"]\n');
    const run = (args: string[]) => execFileSync(path.join(project, "node_modules/.bin/envforge"), ["--cache-dir", path.join(project, "cache"), ...args], { cwd: project, encoding: "utf8" });
    expect(run(["hash", "env.yaml"])).toMatch(/^efh1:[0-9a-f]{64}$/m);
    expect(run(["hash", "curated:python-3.11"])).toMatch(/^efh1:[0-9a-f]{64}$/m);
  });
});
