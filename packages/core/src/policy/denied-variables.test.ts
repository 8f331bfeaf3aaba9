import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine, DANGEROUS_VARIABLES, EnvforgeError, STRICT_POLICY, type HostPolicy } from "../plugin-kit.js";

const tmp = () => mkdtemp(path.join(os.tmpdir(), "ef-policy-vars-"));

async function definition(yaml: string): Promise<string> {
  const dir = await tmp();
  const file = path.join(dir, "env.yaml");
  await writeFile(file, yaml);
  return file;
}

async function refusal(file: string, policy: Partial<HostPolicy>): Promise<EnvforgeError> {
  const engine = createEngine({ cacheDir: await tmp(), policy });
  const error = await engine.hash(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EnvforgeError);
  return error as EnvforgeError;
}

describe("variables a definition sets, against policy.deniedVariables", () => {
  it("a denied name is E_POLICY at the variable's key, with field and the flag that allows it", async () => {
    const file = await definition("name: demo\nvariables:\n  GREETING: hello\n  LD_PRELOAD: /tmp/evil.so\n");
    const error = await refusal(file, STRICT_POLICY);
    expect(error.code).toBe("E_POLICY");
    expect(error.field).toBe("variables.LD_PRELOAD");
    expect(error.location).toEqual({ file, line: 4, column: 3 });
    expect(error.message).toContain("LD_PRELOAD");
    expect(error.hint).toContain("--allow-variable LD_PRELOAD");
    expect(error.hint).toContain("policy.deniedVariables");
  });

  it("a name denied by a pattern names the pattern (PIP_INDEX_URL by PIP_*)", async () => {
    const file = await definition("variables:\n  PIP_INDEX_URL: http://evil.example/simple\n");
    const error = await refusal(file, STRICT_POLICY);
    expect(error.code).toBe("E_POLICY");
    expect(error.message).toContain("matched by PIP_*");
    expect(error.hint).toContain("--allow-variable 'PIP_*'");
    expect(error.location?.line).toBe(2);
  });

  it("every dangerous name is refused under the strict preset; harmless names pass", async () => {
    const engine = createEngine({ cacheDir: await tmp(), policy: STRICT_POLICY });
    for (const pattern of DANGEROUS_VARIABLES) {
      const name = pattern.endsWith("*") ? `${pattern.slice(0, -1)}X` : pattern;
      const error = await engine.hash({ object: { variables: { [name]: "1" } } }).catch((e: unknown) => e);
      expect((error as EnvforgeError).code, name).toBe("E_POLICY");
    }
    await expect(engine.hash({ object: { variables: { GREETING: "hi", MY_PATH: "/x", PATHS: "a" } } })).resolves.toBeDefined();
  });

  it("the permissive default (createEngine without a policy) refuses nothing, and a host may deny its own names", async () => {
    const file = await definition("variables:\n  LD_PRELOAD: /tmp/x.so\n  MY_TOKEN: x\n");
    await expect(createEngine({ cacheDir: await tmp() }).hash(file)).resolves.toBeDefined();
    const error = await refusal(file, { deniedVariables: ["MY_*"] });
    expect(error.field).toBe("variables.MY_TOKEN");
  });

  it("variables never reach the hash, so a refused definition and its allowed twin hash alike where both are accepted", async () => {
    const a = await definition("variables:\n  LD_PRELOAD: /tmp/x.so\n");
    const b = await definition("variables:\n  OTHER: y\n");
    const engine = createEngine({ cacheDir: await tmp() });
    expect((await engine.hash(a)).hash).toBe((await engine.hash(b)).hash);
  });
});

describe("input limits from the policy", () => {
  it("the strict preset's limits apply to a definition (a list over 2,000 items is refused)", async () => {
    const list = Array.from({ length: 2_001 }, (_, i) => `V${i}`);
    // Shape is checked before the schema: no plugin is needed to hold a list.
    const file = await definition(`name: n\nextra: [${list.join(", ")}]\n`);
    const strict = await refusal(file, STRICT_POLICY);
    expect(strict.code).toBe("E_INPUT_TOO_LARGE");
    expect(strict.message).toContain("2000");
  });

  it("the tighter of the engine's limits and the policy's applies, whichever is set where", async () => {
    const big = await definition(`name: x\ndescription: "${"a".repeat(4_000)}"\n`);
    const cacheDir = await tmp();
    const byEngine = await createEngine({ cacheDir, limits: { maxFileBytes: 1_000 }, policy: STRICT_POLICY })
      .hash(big)
      .catch((e: unknown) => e);
    expect((byEngine as EnvforgeError).code).toBe("E_INPUT_TOO_LARGE");
    const byPolicy = await createEngine({ cacheDir, limits: { maxFileBytes: 1_000_000_000 }, policy: { limits: { maxFileBytes: 1_000 } } })
      .hash(big)
      .catch((e: unknown) => e);
    expect((byPolicy as EnvforgeError).code).toBe("E_INPUT_TOO_LARGE");
    await expect(createEngine({ cacheDir, policy: { limits: { maxFileBytes: 1_000_000 } } }).hash(big)).resolves.toBeDefined();
  });
});
