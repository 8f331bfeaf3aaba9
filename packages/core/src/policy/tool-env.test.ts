import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createEngine } from "../engine/engine.js";
import type { EngineEvent } from "../engine/events.js";
import type { WarningCode } from "../errors/registry.js";
import { toolEnvironment, toolEnvSecrets } from "./tool-env.js";

describe("what build tools see of the host", () => {
  const host = {
    PATH: "/usr/bin",
    HOME: "/home/u",
    LC_ALL: "C.UTF-8",
    https_proxy: "http://me:pr0xy-pass@proxy:3128",
    AWS_SECRET_ACCESS_KEY: "aws-secret",
    GITHUB_TOKEN: "gh-token",
    MY_INDEX_TOKEN: "index-token",
    JAVA_HOME: "/opt/java",
  };

  it("is the allowlist, the plugin's extra names and the variables the host passes; nothing else", () => {
    expect(toolEnvironment({ passEnv: [] }, [], host)).toEqual({ PATH: "/usr/bin", HOME: "/home/u", LC_ALL: "C.UTF-8", https_proxy: host.https_proxy });
    const env = toolEnvironment({ passEnv: ["MY_INDEX_TOKEN", "UNSET"] }, ["JAVA_HOME"], host);
    expect(env.MY_INDEX_TOKEN).toBe("index-token");
    expect(env.JAVA_HOME).toBe("/opt/java");
    expect(env.AWS_SECRET_ACCESS_KEY).toBeUndefined();
    expect(env.GITHUB_TOKEN).toBeUndefined();
    expect("UNSET" in env).toBe(false);
  });

  it("counts passed values and allowlisted URL passwords as secrets", () => {
    expect(toolEnvSecrets({ passEnv: ["MY_INDEX_TOKEN"] }, host).sort()).toEqual(["index-token", "pr0xy-pass"]);
    expect(toolEnvSecrets({ passEnv: ["X"] }, { X: "a b/c" })).toEqual(["a b/c", "a%20b%2Fc"]);
  });

  it("the engine masks the value of a passed variable in every event a build emits", async () => {
    process.env.ENVFORGE_CORE_PASSED = "core-passed-secret";
    try {
      const engine = createEngine({
        cacheDir: mkdtempSync(path.join(os.tmpdir(), "envforge-toolenv-")),
        policy: { passEnv: ["ENVFORGE_CORE_PASSED"] },
        plugins: [
          {
            name: "careless",
            apply(e) {
              e.hooks.schema.tap("careless", (s) => s.field({ path: "careless", section: "careless", schema: z.string(), description: "x" }));
              e.hooks.parseSection.for("careless").tap("careless", (f) => f.careless);
              e.hooks.canonicalizeSection.for("careless").tap("careless", (p) => p as string);
              e.hooks.build.for("t").tapPromise("careless", async (ctx) => {
                ctx.log(`token is ${process.env.ENVFORGE_CORE_PASSED}`);
                ctx.warn("W_X" as WarningCode, `warned ${process.env.ENVFORGE_CORE_PASSED}`);
                return { artifact: { kind: "x", path: ctx.artifactDir } };
              });
            },
          },
        ],
      });
      const events: EngineEvent[] = [];
      engine.hooks.event.tap("test", (e) => events.push(e));
      await engine.build({ object: { careless: "a" } }, { target: "t" });
      const text = JSON.stringify(events);
      expect(text).toContain("token is ***");
      expect(text).not.toContain("core-passed-secret");
    } finally {
      delete process.env.ENVFORGE_CORE_PASSED;
    }
  });
});
