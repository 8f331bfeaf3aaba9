import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine, type CacheEntry } from "@envforge/core/plugin-kit";
import { condaPlugin } from "./plugin.js";

/**
 * The conda target's activation, computed for a prefix laid out by hand (no conda tool here):
 * what `conda activate` would set, read from the prefix and never run.
 */
function layOutPrefix(): string {
  const prefix = mkdtempSync(path.join(os.tmpdir(), "envforge-conda-prefix-"));
  mkdirSync(path.join(prefix, "conda-meta"), { recursive: true });
  mkdirSync(path.join(prefix, "bin"));
  mkdirSync(path.join(prefix, "etc", "conda", "activate.d"), { recursive: true });
  mkdirSync(path.join(prefix, "etc", "conda", "env_vars.d"), { recursive: true });
  // The conda file's `variables:` (the builder writes them here, as `conda env config vars set` does).
  writeFileSync(path.join(prefix, "conda-meta", "state"), JSON.stringify({ env_vars: { MODEL_DIR: "/models", OVERRIDDEN: "from-state" } }));
  writeFileSync(path.join(prefix, "etc", "conda", "env_vars.d", "pkg.json"), JSON.stringify({ PKG_HOME: "/pkg", OVERRIDDEN: "from-package" }));
  writeFileSync(
    path.join(prefix, "etc", "conda", "activate.d", "10-gdal.sh"),
    [
      "#!/bin/sh",
      "# a comment",
      "export GDAL_DATA=$CONDA_PREFIX/share/gdal",
      'export PROJ_LIB="${CONDA_PREFIX}/share/proj"',
      "export QUOTED='two words'",
      "export OVERRIDDEN=from-script",
      "",
    ].join("\n"),
  );
  writeFileSync(
    path.join(prefix, "etc", "conda", "activate.d", "20-java.sh"),
    ['if [ -z "$JAVA_HOME" ]; then', "  export JAVA_HOME=$CONDA_PREFIX/lib/jvm", "fi", "export _OLD=$HOST_ONLY_VARIABLE", "touch /tmp/never-run", ""].join("\n"),
  );
  writeFileSync(path.join(prefix, "etc", "conda", "activate.d", "30-other.csh"), "setenv CSH_ONLY yes\n");
  return prefix;
}

describe("conda target: activation of a prefix", () => {
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), "envforge-conda-activate-"));
  const engine = createEngine({ plugins: [condaPlugin()], cacheDir });
  const prefix = layOutPrefix();
  const entry: CacheEntry = {
    schema: 1,
    hash: `efh1:${"a".repeat(64)}`,
    target: "conda",
    generation: 1,
    builder: "conda:micromamba",
    artifact: { kind: "conda-prefix", path: prefix },
    timings: { startedAt: "", finishedAt: "", durationMs: 0 },
    canonicalText: "{}",
  };

  it("sets PATH, CONDA_PREFIX, the conda file's variables and the activate.d exports; the runtime variables last", async () => {
    const activation = await engine.activation(entry, { variables: { RUN_MODE: "test", MODEL_DIR: "/runtime-models" } });
    expect(activation.pathPrepend).toEqual([path.join(prefix, "bin")]);
    expect(activation.env).toEqual({
      CONDA_PREFIX: prefix,
      CONDA_DEFAULT_ENV: prefix,
      PKG_HOME: "/pkg",
      MODEL_DIR: "/runtime-models",
      GDAL_DATA: `${prefix}/share/gdal`,
      PROJ_LIB: `${prefix}/share/proj`,
      QUOTED: "two words",
      OVERRIDDEN: "from-script",
      RUN_MODE: "test",
    });
  });

  it("never runs a script: every line it cannot read statically is a note, by file and line", async () => {
    const activation = await engine.activation(entry, {});
    const notes = activation.notes ?? [];
    expect(notes).toHaveLength(5);
    expect(notes[0]).toMatch(/^etc\/conda\/activate\.d\/20-java\.sh:1: not applied .*: if \[ -z "\$JAVA_HOME" \]; then$/);
    expect(notes.some((n) => /20-java\.sh:4: .*export _OLD=\$HOST_ONLY_VARIABLE/.test(n))).toBe(true);
    expect(notes.some((n) => /20-java\.sh:5: .*touch \/tmp\/never-run/.test(n))).toBe(true);
    // Only *.sh scripts are for POSIX shells.
    expect(notes.join("\n")).not.toContain("CSH_ONLY");
    expect(activation.env._OLD).toBeUndefined();
    // An export inside a condition runs only sometimes: not applied, and said.
    expect(activation.env.JAVA_HOME).toBeUndefined();
    expect(notes.some((n) => /20-java\.sh:2: .*export JAVA_HOME=/.test(n))).toBe(true);
  });

  it("a command run inside sees the activation", async () => {
    let seen = "";
    const result = await engine.run(entry, ["sh", "-c", 'printf "%s|%s|%s" "$CONDA_PREFIX" "$GDAL_DATA" "${PATH%%:*}"'], {
      stdio: "pipe",
      onOutput: (stream, chunk) => void (stream === "stdout" && (seen += chunk)),
    });
    expect(result.exitCode).toBe(0);
    expect(seen).toBe(`${prefix}|${prefix}/share/gdal|${path.join(prefix, "bin")}`);
  });
});
