import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine } from "@envforge/core/plugin-kit";
import { sparkPlugin } from "./plugin.js";

describe("spark target: activation", () => {
  it("exports SPARK_CONF_DIR, whose spark-defaults.conf (the builder's) is what spark-submit reads, and the runtime variables", async () => {
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), "envforge-spark-activate-"));
    const engine = createEngine({ plugins: [sparkPlugin()], cacheDir });
    // precache off: the build writes the configuration without resolving anything (no network, no Java).
    const { entry } = await engine.build({ object: { spark: { packages: ["com.example:greeter:1.0.0"], precache: false }, variables: { APP_MODE: "batch" } } }, { target: "spark" });
    const { parsed } = await engine.resolve({ object: { spark: { packages: ["com.example:greeter:1.0.0"], precache: false }, variables: { APP_MODE: "batch" } } });
    const activation = await engine.activation(entry, { spec: parsed });
    const confDir = path.join(entry.artifact.path!, "conf");
    expect(activation.env).toEqual({ SPARK_CONF_DIR: confDir, APP_MODE: "batch" });
    expect(activation.pathPrepend).toBeUndefined();
    expect(existsSync(path.join(confDir, "spark-defaults.conf"))).toBe(true);
    expect(readFileSync(path.join(confDir, "spark-defaults.conf"), "utf8")).toMatch(/^spark\.jars\.packages\s*[= ]\s*com\.example:greeter:1\.0\.0/m);

    let seen = "";
    const result = await engine.run(entry, ["sh", "-c", 'printf "%s|%s|" "$APP_MODE" "$SPARK_CONF_DIR"; cat "$SPARK_CONF_DIR/spark-defaults.conf"'], {
      spec: parsed,
      stdio: "pipe",
      onOutput: (stream, chunk) => void (stream === "stdout" && (seen += chunk)),
    });
    expect(result.exitCode).toBe(0);
    expect(seen.startsWith(`batch|${confDir}|`)).toBe(true);
    expect(seen).toContain("com.example:greeter:1.0.0");
  });
});
