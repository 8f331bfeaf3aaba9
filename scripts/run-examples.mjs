#!/usr/bin/env node
// Runs examples/* the way users get envforge: each package packed (`pnpm pack`, which writes real
// versions for `workspace:*`), each example copied to a folder outside the repository, installed
// by npm from those tarballs (never workspace links), built with its own TypeScript and checked.
// Usage: node scripts/run-examples.mjs [embed-host|plugin-echo]…  (needs `tsc -b` run first)
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const wanted = process.argv.slice(2);
const examples = wanted.length ? wanted : readdirSync(path.join(root, "examples")).filter((e) => e !== "hello");

/** Workspace packages by name → folder. */
const packages = new Map();
for (const group of ["packages", "plugins"]) {
  for (const dir of readdirSync(path.join(root, group))) {
    const manifest = JSON.parse(readFileSync(path.join(root, group, dir, "package.json"), "utf8"));
    packages.set(manifest.name, { dir: path.join(root, group, dir), manifest });
  }
}

/** A package and every workspace package it needs (dependencies and peers), in no particular order. */
function closure(names) {
  const out = new Set();
  const visit = (name) => {
    if (out.has(name) || !packages.has(name)) return;
    out.add(name);
    const { manifest } = packages.get(name);
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) visit(dep);
  };
  names.forEach(visit);
  return [...out];
}

const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" } });

const work = mkdtempSync(path.join(os.tmpdir(), "envforge-examples-"));
try {
  const tarballs = path.join(work, "tarballs");
  const packed = new Map();
  const pack = (name) => {
    if (packed.has(name)) return packed.get(name);
    const before = new Set(readdirSync(work).concat());
    run("npx", ["-y", "pnpm@10", "pack", "--pack-destination", tarballs], packages.get(name).dir);
    const file = readdirSync(tarballs).find((f) => f.startsWith(name.replace("@", "").replace("/", "-") + "-"));
    if (!file) throw new Error(`pnpm pack wrote no tarball for ${name}`);
    void before;
    packed.set(name, path.join(tarballs, file));
    return packed.get(name);
  };
  for (const example of examples) {
    const source = path.join(root, "examples", example);
    const dir = path.join(work, example);
    cpSync(source, dir, { recursive: true, filter: (f) => !/node_modules|dist$/.test(f) });
    if (example === "embed-host") cpSync(path.join(root, "examples", "hello", "wheels"), path.join(dir, "wheels"), { recursive: true });
    const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    const direct = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).filter((n) => packages.has(n));
    // Every workspace package the example needs comes from its tarball, transitive ones too.
    manifest.dependencies ??= {};
    for (const name of closure(direct)) {
      const spec = `file:${pack(name)}`;
      if (manifest.devDependencies?.[name]) manifest.devDependencies[name] = spec;
      else manifest.dependencies[name] = spec;
    }
    writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    console.log(`examples: ${example} in ${dir}`);
    run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], dir);
    run("npm", ["run", "build"], dir);
    run("npm", ["run", "check"], dir);
  }
} finally {
  if (!process.env.ENVFORGE_KEEP_EXAMPLES) rmSync(work, { recursive: true, force: true });
}
