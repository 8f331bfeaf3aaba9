import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { createEngine, type EngineEvent, type EnvforgeError } from "@envforge/core/plugin-kit";
import { sparkPlugin } from "./plugin.js";

const cacheDir = mkdtempSync(path.join(os.tmpdir(), "envforge-spark-section-"));

function engine() {
  const e = createEngine({ plugins: [sparkPlugin()], cacheDir });
  const events: EngineEvent[] = [];
  e.hooks.event.tap("test", (ev) => events.push(ev));
  return { engine: e, events };
}

const hashOf = async (spark: unknown) => (await engine().engine.hash({ object: { spark } })).hash;
// The canonical form, whatever folder a file: repository is in (confinement: confine.test.ts).
const canonicalOf = async (spark: unknown) =>
  (await createEngine({ plugins: [sparkPlugin()], cacheDir, policy: { allowOutsideFiles: true } }).hash({ object: { spark } })).canonical.sections.spark;
const FILE = "/envs/env.yaml";
const refuse = async (yaml: string) => (await engine().engine.hash({ text: yaml, file: FILE }).catch((e: unknown) => e)) as EnvforgeError;

describe("spark section: canonical form", () => {
  it("is a sorted set of g:a:v[:classifier], repositories as a sequence, and precache (default true)", async () => {
    expect(
      await canonicalOf({
        packages: [" com.example:b:2.0 ", { group: "com.example", artifact: "a", version: "1.0", classifier: "tests" }, "com.example:b:2.0"],
        repositories: ["https://repo.example.com/maven2/", " file:///srv/m2 "],
      }),
    ).toEqual({
      packages: ["com.example:a:1.0:tests", "com.example:b:2.0"],
      repositories: ["https://repo.example.com/maven2", "file:///srv/m2"],
      precache: true,
    });
  });

  it("string and mapping forms hash alike; case matters", async () => {
    expect(await hashOf({ packages: ["com.example:greeter:1.0.0"] })).toBe(
      await hashOf({ packages: [{ group: "com.example", artifact: "greeter", version: "1.0.0" }] }),
    );
    expect(await hashOf({ packages: ["com.example:Greeter:1.0.0"] })).not.toBe(await hashOf({ packages: ["com.example:greeter:1.0.0"] }));
    expect(await hashOf({ packages: ["com.example:greeter:1.0.0:Tests"] })).not.toBe(await hashOf({ packages: ["com.example:greeter:1.0.0:tests"] }));
  });

  it("a version written differently is a different artifact (1.0 and 1.0.0 are different files)", async () => {
    expect(await hashOf({ packages: ["com.example:greeter:1.0"] })).not.toBe(await hashOf({ packages: ["com.example:greeter:1.0.0"] }));
  });

  it("precache false changes the hash; explicit true equals the default", async () => {
    const base = await hashOf({ packages: ["com.example:greeter:1.0.0"] });
    expect(await hashOf({ packages: ["com.example:greeter:1.0.0"], precache: true })).toBe(base);
    expect(await hashOf({ packages: ["com.example:greeter:1.0.0"], precache: false })).not.toBe(base);
  });

  it("repository order counts, URL spelling Maven clients treat alike does not", async () => {
    const a = await hashOf({ packages: ["g:a:1"], repositories: ["https://one.example/m2", "https://two.example/m2"] });
    expect(await hashOf({ packages: ["g:a:1"], repositories: ["https://two.example/m2", "https://one.example/m2"] })).not.toBe(a);
    expect(await hashOf({ packages: ["g:a:1"], repositories: ["HTTPS://One.Example:443/m2/", "https://two.example/m2//"] })).toBe(a);
  });

  it("without packages the section contributes nothing", async () => {
    const none = (await engine().engine.hash({ object: {} })).hash;
    expect(await hashOf({ repositories: ["https://repo.example.com"] })).toBe(none);
    expect(await hashOf({ packages: [] })).toBe(none);
  });

  test.prop([fc.shuffledSubarray(["g:a:1", "g:b:2", "g:c:3:tests", "h:a:1", "G:a:1", "g:A:1"], { minLength: 1 })])(
    "permuting or repeating packages never changes the hash",
    async (packages) => {
      const sorted = await hashOf({ packages: [...packages].sort() });
      expect(await hashOf({ packages })).toBe(sorted);
      expect(await hashOf({ packages: [...packages, ...packages].reverse() })).toBe(sorted);
    },
  );
});

describe("spark section: bad input", () => {
  it.each([
    ["two parts", "  packages:\n    - com.example:greeter\n", 3, 7, "com.example:greeter"],
    ["five parts", "  packages:\n    - a:b:1:c:d\n", 3, 7, "at most 4 parts"],
    ["space in version", "  packages:\n    - a:b:1 .0\n", 3, 7, '"1 .0"'],
    ["empty artifact", "  packages:\n    - 'a::1'\n", 3, 7, "the artifact is empty"],
    ["property reference", "  packages:\n    - 'a:b:${v}'\n", 3, 7, "may only hold"],
    ["comma outside a range", "  packages:\n    - 'a:b:1,2'\n", 3, 7, "not a range"],
    ["mapping without version", "  packages:\n    - {group: a, artifact: b}\n", 3, 7, "the version is missing"],
    ["numeric version", "  packages:\n    - {group: a, artifact: b, version: 1.10}\n", 3, 7, "quote it"],
  ])("%s is E_INVALID_COORDINATE at its line and column, with the valid forms", async (_name, body, line, column, text) => {
    const error = await refuse(`spark:\n${body}`);
    expect(error.code).toBe("E_INVALID_COORDINATE");
    expect(error.location).toEqual({ file: FILE, line, column });
    expect(error.field).toBe("spark.packages[0]");
    expect(error.message).toContain(text);
    expect(error.hint).toContain("group:artifact:version");
  });

  it("a Maven-style key in the mapping form suggests ours", async () => {
    const error = await refuse("spark:\n  packages:\n    - {groupId: a, artifact: b, version: '1'}\n");
    expect(error).toMatchObject({ code: "E_UNKNOWN_KEY", location: { line: 3, column: 8 }, field: "spark.packages[0].groupId" });
    expect(error.message).toContain('did you mean "group"');
  });

  it("an unknown spark field suggests the valid ones", async () => {
    const error = await refuse("spark:\n  pakages: [a:b:1]\n");
    expect(error.code).toBe("E_UNKNOWN_KEY");
    expect(error.message).toContain('"packages"');
  });

  it.each([
    ["ftp://repo.example.com/m2", "not supported"],
    ["./repo", "a path, not a URL"],
    ["https://user:pw@repo.example.com/m2", "carries credentials"],
    ["file://server/share/m2", "must be absolute"],
    ["https://repo.example.com/m2?x=1", "no query"],
  ])("repository %s is E_INVALID_VALUE (%s)", async (url, why) => {
    const error = await refuse(`spark:\n  packages: [a:b:1]\n  repositories:\n    - "${url}"\n`);
    expect(error).toMatchObject({ code: "E_INVALID_VALUE", location: { line: 4, column: 7 }, field: "spark.repositories[0]" });
    expect(error.message).toContain(why);
    expect(error.hint).toBeTruthy();
    expect(error.message + error.hint).not.toContain("pw@");
  });

  it("two versions of one module cannot share a classpath", async () => {
    const error = await refuse("spark:\n  packages:\n    - a:b:2.0\n    - a:b:1.10\n");
    expect(error).toMatchObject({ code: "E_INVALID_VALUE", location: { line: 4, column: 7 } });
    expect(error.message).toContain("a:b in 2 versions (1.10, 2.0)");
  });

  it("precache false refuses what spark.jars.packages cannot express", async () => {
    const classifier = await refuse("spark:\n  precache: false\n  packages: ['a:b:1:tests']\n");
    expect(classifier.code).toBe("E_INVALID_COORDINATE");
    expect(classifier.hint).toContain("precache: true");
    const range = await refuse("spark:\n  precache: false\n  packages: ['a:b:[1.0,2.0)']\n");
    expect(range.message).toContain("comma-separated");
  });
});

describe("spark section: unpinned versions", () => {
  it.each(["latest.release", "latest.integration", "[1.0,2.0)", "]1.0,2.0[", "(,2.0]", "1.+", "1.0-SNAPSHOT", "LATEST", "RELEASE"])(
    "%s warns W_UNPINNED at the package",
    async (version) => {
      const { engine: e, events } = engine();
      await e.hash({ text: `spark:\n  packages:\n    - "a:b:${version}"\n`, file: FILE });
      const warnings = events.filter((ev) => ev.type === "warning" && ev.code === "W_UNPINNED");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ location: { line: 3, column: 7 } });
    },
  );

  it.each(["1.0", "2.12.18", "1.0-RC1", "3.5.0-beta-2", "1.0+build7"])("%s is pinned", async (version) => {
    const { engine: e, events } = engine();
    await e.hash({ object: { spark: { packages: [`a:b:${version}`] } } });
    expect(events.filter((ev) => ev.type === "warning")).toEqual([]);
  });
});
