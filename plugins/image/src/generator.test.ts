import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DockerfileParser } from "dockerfile-ast";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, EnvforgeError, serializeCanonical, z, type CanonicalSpec, type EnginePlugin, type Hash } from "@envforge/core/plugin-kit";
import { renderDockerfile, writeBuildContext } from "./render.js";
import { loadDockerfileParser } from "./dockerfile-check.js";
import { generateDockerfile, IMAGE_VENV, quoteDockerfileWord, type SectionFragment } from "./generator.js";
import { applyDockerSection } from "./section.js";
import { pythonFragment } from "./python-fragment.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "envforge-docker-gen-"));
/** The docker section alone (the docker plugin is an adapter over this package). */
const dockerPlugin = (): EnginePlugin => ({ name: "docker", apply: applyDockerSection });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const HASH = `efh1:${"a".repeat(64)}` as Hash;

function input(docker: Record<string, unknown>, fragments: SectionFragment[] = [], extra: Record<string, unknown> = {}) {
  const canonical = { contract: "efh1", sections: { docker, ...extra } } as CanonicalSpec;
  return { hash: HASH, canonical, canonicalText: serializeCanonical(canonical), fragments };
}

/** Docker's reading of a double-quoted word: a backslash takes the next character literally. */
function unquote(word: string): string {
  expect(word.startsWith('"') && word.endsWith('"')).toBe(true);
  return word.slice(1, -1).replace(/\\(.)/g, "$1");
}

function labelsOf(dockerfile: string): Record<string, string> {
  const line = dockerfile.split("\n").find((l) => l.startsWith("LABEL "))!;
  const out: Record<string, string> = {};
  for (const m of line.slice(6).matchAll(/([\w.]+)=("(?:[^"\\]|\\.)*")/g)) out[m[1]!] = unquote(m[2]!);
  return out;
}

/** Keywords of the instructions in a Dockerfile, as Docker's grammar (dockerfile-ast) reads it. */
const keywords = (text: string) => DockerfileParser.parse(text).getInstructions().map((i) => i.getKeyword());

const frag = (section: string, order: number, ...instructions: string[]): SectionFragment => ({ section, fragment: { order, instructions } });

// generateDockerfile checks its fragments synchronously; its callers load the parser first (render.ts, build-image.ts).
beforeAll(loadDockerfileParser);

describe("generateDockerfile", () => {
  it("orders layers from least to most likely to change", () => {
    const out = generateDockerfile({
      ...input(
        { base: { image: "docker.io/library/debian:12" }, steps: ["RUN echo step1", "ENV S=2"], buildArgs: { B: "x", A: "y" } },
        [frag("spark", 50, "RUN echo spark"), frag("pip", 40, "RUN echo pip"), frag("conda", 30, "RUN echo conda"), frag("python", 20, "RUN echo python")],
      ),
      venv: IMAGE_VENV,
    });
    const lines = out.dockerfile.trimEnd().split("\n");
    expect(lines.slice(0, -1)).toEqual([
      "FROM docker.io/library/debian:12",
      "ARG B",
      "ARG A",
      "RUN echo step1",
      "ENV S=2",
      `ENV VIRTUAL_ENV="${IMAGE_VENV}" PATH="${IMAGE_VENV}/bin":$PATH`,
      "RUN echo python",
      "RUN echo conda",
      "RUN echo pip",
      "RUN echo spark",
    ]);
    expect(lines.at(-1)).toMatch(/^LABEL dev\.envforge\.hash="efh1:a{64}" dev\.envforge\.canonical="/);
  });

  it("uses a base Dockerfile's content as the base, steps after it", () => {
    const out = generateDockerfile(input({ base: { dockerfile: "FROM debian:12 AS b\nRUN true\nFROM b\n" }, steps: ["RUN echo hi"] }));
    expect(out.dockerfile.startsWith("FROM debian:12 AS b\nRUN true\nFROM b\nRUN echo hi\nLABEL ")).toBe(true);
  });

  it("never writes build argument values into the Dockerfile", () => {
    const out = generateDockerfile(input({ base: { image: "docker.io/library/debian:12" }, steps: [], buildArgs: { TOKEN: "$(rm -rf /)\n`id`" } }));
    const withoutLabels = out.dockerfile.split("\n").filter((l) => !l.startsWith("LABEL")).join("\n");
    expect(withoutLabels).not.toContain("rm -rf");
    expect(keywords(out.dockerfile)).toEqual(["FROM", "ARG", "LABEL"]);
  });

  it("labels hold the hash and exactly the canonical text, whatever characters it has", () => {
    const hostile = ['RUN echo "$HOME" \\', "`id`", "$(whoami)", "ü\ttab", '\\"'].join(" ");
    const i = input({ base: { image: "docker.io/library/debian:12" }, steps: [`RUN echo ${JSON.stringify(hostile)}`] }, [], { pip: ["a\nb"] });
    const out = generateDockerfile(i);
    const labels = labelsOf(out.dockerfile);
    expect(labels["dev.envforge.hash"]).toBe(HASH);
    expect(labels["dev.envforge.canonical"]).toBe(i.canonicalText);
    expect(keywords(out.dockerfile)).toEqual(["FROM", "RUN", "LABEL"]);
  });

  it("is deterministic and independent of the order fragments arrive in", () => {
    const a = generateDockerfile(input({ base: { image: "docker.io/library/debian:12" }, steps: [] }, [frag("x", 40, "RUN echo x"), frag("a", 40, "RUN echo a")]));
    const b = generateDockerfile(input({ base: { image: "docker.io/library/debian:12" }, steps: [] }, [frag("a", 40, "RUN echo a"), frag("x", 40, "RUN echo x")]));
    expect(a).toEqual(b);
    expect(a.dockerfile.indexOf("echo a")).toBeLessThan(a.dockerfile.indexOf("echo x"));
  });

  it.each([
    ["two instructions in one string", "RUN echo a\nRUN echo b"],
    ["a smuggled FROM", "RUN true\nFROM evil"],
    ["a trailing continuation", "RUN echo \\"],
    ["an open heredoc", "RUN <<EOF\necho"],
    ["not an instruction", "rm -rf /"],
  ])("refuses a fragment instruction with %s", (_what, instruction) => {
    expect(() => generateDockerfile(input({ base: { image: "docker.io/library/debian:12" }, steps: [] }, [frag("evil", 40, instruction)]))).toThrow(EnvforgeError);
  });

  it.each(["../outside", "/etc/passwd", "Dockerfile", "a\\b"])("refuses a fragment context path %j", (rel) => {
    const fragments = [{ section: "evil", fragment: { order: 40, instructions: [], files: { [rel]: "x" } } }];
    expect(() => generateDockerfile(input({ base: { image: "docker.io/library/debian:12" }, steps: [] }, fragments))).toThrow(/outside the build context or reserved/);
  });

  it("refuses without a docker section", () => {
    const canonical = { contract: "efh1", sections: { pip: ["a==1"] } } as CanonicalSpec;
    expect(() => generateDockerfile({ hash: HASH, canonical, canonicalText: "{}", fragments: [] })).toThrow(/docker: section/);
  });

  it("quoteDockerfileWord escapes what a double-quoted Dockerfile word would interpret", () => {
    expect(quoteDockerfileWord('a"b$c\\d')).toBe('"a\\"b\\$c\\\\d"');
    expect(() => quoteDockerfileWord("a\nb")).toThrow();
  });
});

describe("python layers", () => {
  it("checks the image's python3 version for system-managed Python", () => {
    expect(pythonFragment({ version: "3.11" })).toBeUndefined();
    const f = pythonFragment({ version: "3.11" }, { checkSystemPython: true })!;
    expect(f.order).toBe(20);
    const [keyword, argv] = [f.instructions[0]!.slice(0, 4), JSON.parse(f.instructions[0]!.slice(4)) as string[]];
    expect(keyword).toBe("RUN ");
    expect(argv.slice(0, 2)).toEqual(["python3", "-c"]);
    expect(argv[2]).toContain("want = '3.11'");
  });

  it("the version check passes on the right version, fails with a message on another, and lets later code run", () => {
    const host = spawnSync("python3", ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], { encoding: "utf8" });
    if (host.status !== 0) return; // no python3 on this machine: the strings are checked above
    const mine = host.stdout.trim();
    const script = (want: string) => (JSON.parse(pythonFragment({ version: want }, { checkSystemPython: true })!.instructions[0]!.slice(4)) as string[])[2]!;
    const ok = spawnSync("python3", ["-c", `${script(mine)}; print('after')`], { encoding: "utf8" });
    expect(ok.status).toBe(0);
    expect(ok.stdout.trim()).toBe("after");
    const major = mine.split(".")[0]!;
    expect(spawnSync("python3", ["-c", script(major)]).status).toBe(0);
    const bad = spawnSync("python3", ["-c", `${script("2.7")}; print('after')`], { encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`the definition asks for 2.7`);
    expect(bad.stdout).not.toContain("after");
  });

  it("checks a user-managed interpreter without putting its path in shell text", () => {
    const hostile = "/usr/bin/python3; rm -rf / #$(id)";
    const f = pythonFragment({ userManaged: true, interpreterPath: hostile, version: "3.11" })!;
    const argv = f.instructions.map((i) => JSON.parse(i.slice(4)) as string[]);
    expect(argv[0]!.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(argv[0]![2]).not.toContain(hostile);
    expect(argv[0]![4]).toBe(hostile);
    expect(argv[1]![0]).toBe(hostile);
  });

  it("refuses a version that is not a plain version number", () => {
    expect(() => pythonFragment({ version: "3.11'; import os; os.system('id'); '" }, { checkSystemPython: true })).toThrow(/invalid python version/);
  });

  it("nothing to check means no fragment", () => {
    expect(pythonFragment(undefined)).toBeUndefined();
  });

});

/** A stand-in for the pip plugin's section (its own engineer owns the real one). */
function fakePip(withFragment: boolean): EnginePlugin {
  return {
    name: "fake-pip",
    apply(engine) {
      engine.hooks.schema.tap("fake-pip", (s) => s.field({ path: "python.pip", section: "pip", schema: z.array(z.string()), description: "", installs: true }));
      engine.hooks.parseSection.for("pip").tap("fake-pip", (fields) => fields["python.pip"]);
      engine.hooks.canonicalizeSection.for("pip").tap("fake-pip", (parsed) => [...new Set(parsed as string[])].sort());
      if (withFragment) {
        engine.hooks.imageFragment.for("pip").tap("fake-pip", (value) => ({ order: 40, instructions: [`RUN echo fake-pip ${(value as string[]).length}`] }));
      }
    },
  };
}

describe("renderDockerfile", () => {
  const env = "name: demo\npython:\n  version: '3.11'\n  pip: ['b==2', 'a==1']\ndocker:\n  baseImage: debian:12\n  steps: ['RUN echo custom']\n";
  const write = () => {
    const dir = mkdtempSync(path.join(tmp, "env-"));
    writeFileSync(path.join(dir, "env.yaml"), env);
    return path.join(dir, "env.yaml");
  };

  it("without a pip image fragment, pip is a W_NO_IMAGE_FRAGMENT (pip's own plugin taps it) and python.version is checked on its own; writes a context", async () => {
    const engine = createEngine({ plugins: [dockerPlugin(), fakePip(false)], cacheDir: path.join(tmp, "cache") });
    const warnings: string[] = [];
    const r = await renderDockerfile(engine, write(), { onEvent: (e) => e.type === "warning" && warnings.push(e.code) });
    expect(warnings).toEqual(["W_NO_IMAGE_FRAGMENT"]);
    expect(keywords(r.image.dockerfile)).toEqual(["FROM", "RUN", "RUN", "LABEL"]);
    expect(r.image.dockerfile).toContain("FROM docker.io/library/debian:12\nRUN echo custom\nRUN [\"python3\",\"-c\"");
    expect(r.image.dockerfile).toContain("want = '3.11'");
    expect(r.hash).toBe((await engine.hash(write())).hash);
    const dir = path.join(tmp, "ctx");
    await writeBuildContext(dir, r.image);
    expect(readFileSync(path.join(dir, "Dockerfile"), "utf8")).toBe(r.image.dockerfile);
    expect(labelsOf(r.image.dockerfile)["dev.envforge.canonical"]).toBe(r.canonicalText);
  });

  it("uses the pip plugin's own fragment when it provides one", async () => {
    const engine = createEngine({ plugins: [dockerPlugin(), fakePip(true)], cacheDir: path.join(tmp, "cache") });
    const r = await renderDockerfile(engine, write());
    expect(r.image.dockerfile).toContain("RUN echo fake-pip 2");
    // python.version is then checked on its own, before the pip plugin's fragment.
    expect(r.image.dockerfile.indexOf("want = '3.11'")).toBeLessThan(r.image.dockerfile.indexOf("fake-pip"));
    expect(r.image.dockerfile).not.toContain("requirements.txt");
  });

  it("a section nobody puts into an image is a warning, not silence", async () => {
    const engine = createEngine({ plugins: [dockerPlugin()], cacheDir: path.join(tmp, "cache") });
    engine.hooks.schema.tap("t", (s) => s.field({ path: "spark", section: "spark", schema: z.object({ p: z.string() }), description: "" }));
    engine.hooks.parseSection.for("spark").tap("t", (f) => f.spark);
    engine.hooks.canonicalizeSection.for("spark").tap("t", (p) => p as never);
    const warnings: string[] = [];
    await renderDockerfile(engine, { object: { spark: { p: "x" }, docker: { baseImage: "debian:12" } } }, { onEvent: (e) => e.type === "warning" && warnings.push(e.code) });
    expect(warnings).toEqual(["W_NO_IMAGE_FRAGMENT"]);
  });
});
