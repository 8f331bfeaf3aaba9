// Runs the example as a user would and checks what it promises. Run from the installed project:
// `npm run build && npm run check` (scripts/run-examples.mjs does both from packed tarballs).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

const run = () => {
  const result = spawnSync(process.execPath, ["dist/main.js"], { encoding: "utf8" });
  assert.equal(result.status, 0, `main.js failed:\n${result.stdout}\n${result.stderr}`);
  const line = result.stdout.split("\n").find((l) => /^(true|false) \//.test(l));
  assert.ok(line, `main.js printed no result line:\n${result.stdout}`);
  return line;
};

// The first run builds (miss), the second reuses it (hit): `console.log(result.cached, path, …)`.
const first = run();
assert.match(first, /^false \//, `first run should build: ${first}`);
const second = run();
assert.match(second, /^true \//, `second run should be a hit: ${second}`);
const artifact = second.split(" ")[1];
assert.ok(existsSync(path.join(artifact, "bin", "python")), `the venv ${artifact} exists`);
assert.equal(first.split(" ")[1], artifact, "the hit serves the artifact the miss built");

// A bad requirement is the user's mistake (exit 1 in the CLI), not a plugin fault.
const bad = spawnSync(process.execPath, ["--input-type=module", "-e", `
  import { createEngine, isEnvforgeError } from "@envforge/core";
  import { pipPlugin } from "@envforge/plugin-pip";
  const engine = createEngine({ plugins: [pipPlugin()], cacheDir: ".envforge-cache" });
  try {
    await engine.hash({ object: { python: { pip: ["not a requirement ==="] } } });
    console.log("no error");
  } catch (e) {
    console.log(isEnvforgeError(e) ? e.code + " " + e.kind : "foreign " + e);
  }
`], { encoding: "utf8" });
assert.equal(bad.stdout.trim(), "E_INVALID_REQUIREMENT input", bad.stderr);

// Exactly one copy of core: the plugin shares the host's (a peer dependency).
const copies = execFileSync("npm", ["ls", "@envforge/core", "--all", "--parseable"], { encoding: "utf8" })
  .trim().split("\n").filter((line) => line.endsWith(path.join("node_modules", "@envforge", "core")));
assert.equal(new Set(copies).size, 1, `one copy of @envforge/core, found: ${copies.join(", ")}`);

// Tarballs ship no tests.
const pip = path.join("node_modules", "@envforge", "plugin-pip");
const shipped = readdirSync(pip, { recursive: true }).map(String);
assert.ok(!shipped.some((f) => f.endsWith(".test.ts") || f.endsWith(".test.js") || f.endsWith(".tsbuildinfo")), "no tests or build metadata shipped");
for (const pkg of ["core", "plugin-pip"]) {
  for (const file of ["LICENSE", "README.md"]) assert.ok(existsSync(path.join("node_modules", "@envforge", pkg, file)), `@envforge/${pkg} ships ${file}`);
}
console.log("embed-host: ok (miss, then hit; E_INVALID_REQUIREMENT; one copy of core; LICENSE and README shipped)");
