import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine, EnvforgeError, PERMISSIVE_POLICY, STRICT_POLICY, type EnginePlugin, type HostPolicy } from "../plugin-kit.js";
import { DEFAULT_LIMITS, effectiveLimits } from "./limits.js";
import { policyFingerprint } from "./policy-fingerprint.js";
import { quickHit } from "../quick/quick-hit.js";
import { sourceMemoPath } from "../quick/source-memo.js";

const PIPELINE = "policy-test/1";

/** A builder whose artifact is a folder in the cache, as a venv is. */
const folderBuilder: EnginePlugin = {
  name: "folder-builder",
  apply(engine) {
    engine.hooks.build.for("files").tapPromise("folder-builder", async (ctx) => {
      mkdirSync(ctx.artifactDir, { recursive: true });
      return { artifact: { kind: "files", path: ctx.artifactDir } };
    });
  },
};

function project(yaml: string): { file: string; cacheDir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ef-policy-memo-"));
  const file = path.join(dir, "env.yaml");
  writeFileSync(file, yaml);
  return { file, cacheDir: path.join(dir, "cache") };
}

const engineWith = (cacheDir: string, policy?: Partial<HostPolicy>) => createEngine({ cacheDir, plugins: [folderBuilder], pipelineId: PIPELINE, policy });
const ask = (file: string, cacheDir: string, policy?: Partial<HostPolicy>) => quickHit({ file, cacheDir, target: "files", pipelineId: PIPELINE, policy });
const fp = (policy: HostPolicy) => policyFingerprint(policy, effectiveLimits(undefined, policy.limits));

describe("policyFingerprint", () => {
  it("is equal for equal policies however they were written (field order, list order, duplicates)", () => {
    const a: HostPolicy = { ...STRICT_POLICY, indexHosts: ["pypi.org", "files.pythonhosted.org"], passEnv: ["TOKEN"] };
    const b: HostPolicy = {
      limits: STRICT_POLICY.limits,
      passEnv: ["TOKEN", "TOKEN"],
      deniedVariables: [...STRICT_POLICY.deniedVariables].reverse(),
      allowUserManaged: false,
      allowDockerSteps: false,
      baseImageRegistries: [],
      indexHosts: ["files.pythonhosted.org", "pypi.org"],
      allowOutsideFiles: false,
    };
    expect(fp(a)).toBe(fp(b));
  });

  it("differs for any change of any field, and tells 'any host' (undefined) from 'no host' ([])", () => {
    const changes: Partial<HostPolicy>[] = [
      { passEnv: ["X"] },
      { allowOutsideFiles: true },
      { indexHosts: ["pypi.org"] },
      { indexHosts: undefined },
      { baseImageRegistries: ["docker.io"] },
      { baseImageRegistries: undefined },
      { allowDockerSteps: true },
      { allowUserManaged: true },
      { deniedVariables: STRICT_POLICY.deniedVariables.filter((v) => v !== "PATH") },
      { limits: { ...STRICT_POLICY.limits, maxDepth: 17 } },
    ];
    const prints = changes.map((c) => fp({ ...STRICT_POLICY, ...c }));
    expect(new Set([fp(STRICT_POLICY), ...prints]).size).toBe(changes.length + 1);
    expect(fp(PERMISSIVE_POLICY)).not.toBe(fp(STRICT_POLICY));
  });

  it("includes the limits in force, not only the policy's own", () => {
    expect(policyFingerprint(PERMISSIVE_POLICY, DEFAULT_LIMITS)).not.toBe(policyFingerprint(PERMISSIVE_POLICY, { ...DEFAULT_LIMITS, maxFileBytes: 10 }));
  });
});

describe("the source memo is keyed by the whole policy", () => {
  it("a memo recorded under the permissive policy never answers a strict process; the strict engine refuses the definition", async () => {
    const { file, cacheDir } = project("variables:\n  LD_PRELOAD: /tmp/evil.so\n");
    const built = await engineWith(cacheDir).build({ path: file }, { target: "files" });
    expect(ask(file, cacheDir)?.hash).toBe(built.hash); // the permissive memo answers the permissive host
    expect(ask(file, cacheDir, STRICT_POLICY)).toBeUndefined();
    const refused = await engineWith(cacheDir, STRICT_POLICY)
      .build({ path: file }, { target: "files" })
      .catch((e: unknown) => e);
    expect((refused as EnvforgeError).code).toBe("E_POLICY");
    expect(ask(file, cacheDir, STRICT_POLICY)).toBeUndefined(); // nothing recorded for a refusal
  });

  it("one field of difference is enough: a memo recorded with passEnv [TOKEN] does not answer a policy without it, and the reverse", async () => {
    const { file, cacheDir } = project("variables:\n  GREETING: hi\n");
    const withToken = { ...STRICT_POLICY, passEnv: ["TOKEN"] };
    await engineWith(cacheDir, withToken).build({ path: file }, { target: "files" });
    expect(ask(file, cacheDir, withToken)).toBeDefined();
    expect(ask(file, cacheDir, { ...withToken, passEnv: ["TOKEN", "TOKEN"] })).toBeDefined(); // the same policy
    expect(ask(file, cacheDir, STRICT_POLICY)).toBeUndefined();
    expect(ask(file, cacheDir, { ...withToken, allowDockerSteps: true })).toBeUndefined();
    expect(ask(file, cacheDir)).toBeUndefined();
  });

  it("the allowFilesOutsideRoot option and policy.allowOutsideFiles name the same policy", async () => {
    const { file, cacheDir } = project("variables:\n  GREETING: hi\n");
    await createEngine({ cacheDir, plugins: [folderBuilder], pipelineId: PIPELINE, allowFilesOutsideRoot: true }).build({ path: file }, { target: "files" });
    expect(ask(file, cacheDir, { allowOutsideFiles: true })).toBeDefined();
    expect(quickHit({ file, cacheDir, target: "files", pipelineId: PIPELINE, allowFilesOutsideRoot: true })).toBeDefined();
    expect(ask(file, cacheDir)).toBeUndefined();
  });

  it("a memo file moved to another policy's key is not read (it carries its own fingerprint)", async () => {
    const { file, cacheDir } = project("variables:\n  LD_PRELOAD: /tmp/evil.so\n");
    await engineWith(cacheDir).build({ path: file }, { target: "files" });
    const layout = path.join(cacheDir, "v1");
    const key = (policy: HostPolicy) => ({ pipeline: PIPELINE, file, policy: fp(policy) });
    const loose = sourceMemoPath(layout, key(PERMISSIVE_POLICY));
    expect(existsSync(loose)).toBe(true);
    const strict = sourceMemoPath(layout, key(STRICT_POLICY));
    mkdirSync(path.dirname(strict), { recursive: true });
    copyFileSync(loose, strict);
    expect(ask(file, cacheDir, STRICT_POLICY)).toBeUndefined();
  });
});
