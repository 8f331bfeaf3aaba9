import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine, type EnvforgeError, type HostPolicy } from "@envforge/core/plugin-kit";
import { ivySettingsXml } from "./ivy-files.js";
import { sparkPlugin } from "./plugin.js";

const cacheDir = mkdtempSync(path.join(os.tmpdir(), "envforge-spark-policy-"));
const FILE = "/envs/env.yaml";
const hash = (yaml: string, policy: Partial<HostPolicy> = {}) => createEngine({ plugins: [sparkPlugin()], cacheDir, policy }).hash({ text: yaml, file: FILE });
const refusal = async (yaml: string, policy: Partial<HostPolicy> = {}) => (await hash(yaml, policy).then(() => new Error("accepted"), (e: unknown) => e)) as EnvforgeError;

describe("spark repositories from strangers", () => {
  it("a ${…} anywhere in a repository URL is refused where it was written: Ivy would fill it from the machine's properties", async () => {
    for (const url of ["https://${user.home}/m2", "https://repo.example/${env.SECRET}/m2", "file:///${user.home}/.m2"]) {
      const e = await refusal(`spark:\n  packages: [com.example:a:1.0]\n  repositories:\n    - "${url}"\n`);
      expect(e.code, url).toBe("E_ENV_NOT_ALLOWED");
      expect(e).toMatchObject({ field: "spark.repositories[0]", location: { file: FILE, line: 4 } });
    }
    // Nothing of the sort reaches the settings Ivy reads.
    expect(ivySettingsXml({ repositories: ["https://repo.example/m2"], cacheDir: "/c", resolutionCacheDir: "/r", credentials: [] })).not.toContain("${");
  });

  it("a repository on a host the policy does not allow is E_POLICY; file: repositories and allowed hosts pass", async () => {
    const policy = { indexHosts: ["repo1.maven.org", "*.example.com"] };
    const e = await refusal("spark:\n  packages: [com.example:a:1.0]\n  repositories: [https://repo1.maven.org/maven2, https://evil.example/m2]\n", policy);
    expect(e).toMatchObject({ code: "E_POLICY", field: "spark.repositories[1]", location: { file: FILE, line: 3 }, details: { host: "evil.example" } });
    await hash("spark:\n  packages: [com.example:a:1.0]\n  repositories: [https://repo1.maven.org/maven2, https://m2.example.com/r, file:///srv/m2]\n", { ...policy, allowOutsideFiles: true });
    await hash("spark:\n  packages: [com.example:a:1.0]\n  repositories: [https://evil.example/m2]\n");
  });
});
